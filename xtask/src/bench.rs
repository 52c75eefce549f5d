//! `cargo xtask bench`: the criterion benchmarks, reported as ratios to their floor measured
//! in the same run, printed and written to `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode};

use crate::steps::say;

/// A reported figure: a benchmark and the floor it is divided by.
struct Row {
    what: &'static str,
    bench: &'static str,
    floor: &'static str,
}

const ROWS: [Row; 8] = [
    Row {
        what: "open, 200 B payload",
        bench: "seal/open/200",
        floor: "seal/floor_aead_open/200",
    },
    Row {
        what: "open, 1 KiB payload",
        bench: "seal/open/1024",
        floor: "seal/floor_aead_open/1024",
    },
    Row {
        what: "open, 4 KiB payload",
        bench: "seal/open/4096",
        floor: "seal/floor_aead_open/4096",
    },
    Row {
        what: "seal, 200 B payload",
        bench: "seal/seal/200",
        floor: "seal/floor_aead_open/200",
    },
    Row {
        what: "seal, 1 KiB payload",
        bench: "seal/seal/1024",
        floor: "seal/floor_aead_open/1024",
    },
    Row {
        what: "seal, 4 KiB payload",
        bench: "seal/seal/4096",
        floor: "seal/floor_aead_open/4096",
    },
    Row {
        what: "cookie → User, Google claims",
        bench: "user/cookie_to_user/google",
        floor: "user/floor_aead_open_json_parse/google",
    },
    Row {
        what: "cookie → User, Google claims + 100 groups",
        bench: "user/cookie_to_user/groups_100",
        floor: "user/floor_aead_open_json_parse/groups_100",
    },
];

/// A logged-in request through the router in process, with doorman and without the layer.
const REQUESTS: [Row; 4] = [
    Row {
        what: "Google claims, `Json(user)`",
        bench: "request/doorman/google",
        floor: "request/without_layer/google",
    },
    Row {
        what: "Google claims + 100 groups, `Json(user)`",
        bench: "request/doorman/groups_100",
        floor: "request/without_layer/groups_100",
    },
    Row {
        what: "Google claims, `Json(user.to_dict())` (a copy, against a copy of the prebuilt JSON)",
        bench: "request/doorman_to_dict/google",
        floor: "request/without_layer_cloned/google",
    },
    Row {
        what: "Google claims + 100 groups, `Json(user.to_dict())`",
        bench: "request/doorman_to_dict/groups_100",
        floor: "request/without_layer_cloned/groups_100",
    },
];

/// Figures reported in absolute time: the relying party's work with no floor to divide by.
const ABSOLUTE: [(&str, &str); 4] = [
    ("building an authorization URL", "oidc/authorization_url"),
    ("ID-token verification, RS256", "oidc/verify_id_token_rs256"),
    ("ID-token verification, ES256", "oidc/verify_id_token_es256"),
    (
        "callback processing with warm caches (state, token response, ID token)",
        "oidc/callback_warm_caches",
    ),
];

const COMMAND: &str = "cargo bench -p doorman-seal -p doorman-user -p doorman-oidc -p doorman-axum";

/// Runs the benchmarks and reports them.
pub(crate) fn run(root: &Path) -> ExitCode {
    say(&format!("xtask: bench: {COMMAND}"));
    let status = Command::new("cargo")
        .args([
            "bench",
            "-p",
            "doorman-seal",
            "-p",
            "doorman-user",
            "-p",
            "doorman-oidc",
            "-p",
            "doorman-axum",
            "--locked",
        ])
        .current_dir(root)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        say("xtask: bench FAILED: the benchmarks did not run");
        return ExitCode::FAILURE;
    }
    let Some(table) = ratios(
        root,
        "| what | time (median) | floor (median) | ratio to floor |\n|---|---|---|---|\n",
        &ROWS,
    ) else {
        return ExitCode::FAILURE;
    };
    let Some(requests) = ratios(
        root,
        "| request | with doorman (median) | without the layer (median) | ratio |\n|---|---|---|---|\n",
        &REQUESTS,
    ) else {
        return ExitCode::FAILURE;
    };
    let mut core = String::from("| what | time (median) |\n|---|---|\n");
    for (what, id) in ABSOLUTE {
        let Some(time) = median_ns(root, id) else {
            say(&format!("xtask: bench FAILED: no estimate for {what}"));
            return ExitCode::FAILURE;
        };
        let _ = writeln!(core, "| {what} | {} |", human(time));
    }
    let instructions = match crate::callgrind::run(root) {
        Ok(table) => table,
        Err(why) => {
            say(&format!("xtask: bench FAILED: instruction counts: {why}"));
            return ExitCode::FAILURE;
        }
    };
    say(&table);
    say(&requests);
    say(&instructions);
    say(&core);
    let load = match crate::load::run(root) {
        Ok(section) => section,
        Err(why) => {
            say(&format!("xtask: bench FAILED: load run: {why}"));
            return ExitCode::FAILURE;
        }
    };
    say(&load);
    let report = format!(
        "# Benchmarks\n\n\
         Written by `cargo xtask bench` from one run. The micro-benchmarks are ratios to floors measured in the same run; the load run compares, in the same run and alternating, the app with doorman to the same app without it and to an `axum-oidc` peer.\n\n\
         - The floor of `open` and `seal` is the bare AES-256-GCM-SIV open of a ciphertext of the same size under an already expanded key.\n\
         - The floor of cookie → `User` is that bare open plus the bare `serde_json` parse of the same claims into a `Value`.\n\
         - What doorman adds on top: base64url decoding of the cookie value, the key-id lookup, the expiry check, and typed deserialization of the session (and, above 2 KiB, inflating it).\n\
         - That is the cost of a cookie's first request to a process. The adapter keeps opened cookies in a bounded memo keyed by the whole value (`AuthOptions::session_cache_size`), so repeated requests with the same cookie cost a hash lookup instead: the in-process request table below measures that path.\n\n\
         ## Machine\n\n{}\n\n## Cookie sealing and the user view\n\n{table}\n\
         ## A logged-in request in process\n\n\
         `GET /user.json` through the whole axum router, without sockets, against the same router without doorman's layer serving the same JSON prebuilt (shared, or copied per request to match `to_dict`). The cookie was seen before, as on every request but a session's first.\n\n{requests}\n\
         Timings on a shared machine drift; the instructions per request, counted by callgrind (`valgrind --tool=callgrind` on the same benchmark, the instructions inside one request divided by the requests), do not:\n\n{instructions}\n\
         ## The relying party's own work\n\n\
         With the provider's round trips taken out (the development provider answers in-process beforehand).\n\n{core}\n\
         {load}\
         ## Reproduce\n\n```sh\ncargo xtask bench   # runs: {COMMAND}, callgrind on the request benchmark, then the load run (installs Debian's valgrind and wrk if missing)\n```\n",
        machine()
    );
    if let Err(e) = fs::write(root.join("docs/benchmarks.md"), report) {
        say(&format!(
            "xtask: bench FAILED: cannot write docs/benchmarks.md: {e}"
        ));
        return ExitCode::FAILURE;
    }
    say("xtask: bench ok: docs/benchmarks.md written");
    ExitCode::SUCCESS
}

/// A table of `rows`, each a benchmark's median over its floor's, under `header`; `None`
/// (said) when an estimate is missing.
fn ratios(root: &Path, header: &str, rows: &[Row]) -> Option<String> {
    let mut table = header.to_owned();
    for row in rows {
        let (Some(time), Some(floor)) = (median_ns(root, row.bench), median_ns(root, row.floor))
        else {
            say(&format!(
                "xtask: bench FAILED: no estimate for {}",
                row.what
            ));
            return None;
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {:.2}× |",
            row.what,
            human(time),
            human(floor),
            time / floor
        );
    }
    Some(table)
}

/// Criterion's median estimate, in nanoseconds, of the benchmark at `id`.
fn median_ns(root: &Path, id: &str) -> Option<f64> {
    let path = root
        .join("target/criterion")
        .join(id)
        .join("new/estimates.json");
    let text = fs::read_to_string(path).ok()?;
    let median = &text[text.find("\"median\"")?..];
    let value = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}

fn human(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Cores, memory and CPU model, as the kernel reports them.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_owned();
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            let line = c.lines().find(|l| l.starts_with("model name"))?.to_owned();
            Some(line.split_once(':')?.1.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    format!("- cores: {cores}\n- memory: {memory}\n- CPU: {cpu}")
}
