//! `doorman demo` with no secrets: it starts the built-in provider and a login works, as
//! the README promises.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn the_demo_serves_a_working_login_with_the_built_in_provider() {
    let port = free_port();
    let demo = Demo(
        Command::new(env!("CARGO_BIN_EXE_doorman"))
            .args(["demo", "--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the demo"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let started = Instant::now();
    let home = loop {
        if let Ok(response) = client.get(format!("{base}/")).send().await {
            break response.text().await.expect("text");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the demo did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(home.contains("You are not logged in."), "{home}");
    assert!(home.contains("/auth/login?provider=devidp"), "{home}");

    let login = client
        .get(format!("{base}/auth/login?provider=devidp"))
        .send()
        .await
        .expect("login");
    let authorize = login.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let page = client
        .get(&authorize)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains("Ada Lovelace"),
        "the provider's page offers test users"
    );
    let decide = authorize.replacen("/authorize?", "/authorize/decide?user=ada&", 1);
    let at_idp = client.get(&decide).send().await.expect("decide");
    let callback = at_idp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let back = client.get(&callback).send().await.expect("callback");
    assert_eq!(back.headers()["location"], "/");

    let user: serde_json::Value = client
        .get(format!("{base}/user.json"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(user["is_logged_in"], true);
    assert_eq!(user["provider"], "devidp");
    assert_eq!(user["email"], "ada@example.com");
    assert!(user["tokens"]["id"].is_string());
    let home = client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("text");
    assert!(
        home.contains("Ada Lovelace") && home.contains("Log out"),
        "{home}"
    );
    drop(demo);
}
