//! Properties of sealing and chunking, over generated payloads, names, times and secrets.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{NOW, at, sealer};
use doorman_seal::{COOKIE_SIZE_LIMIT, MAX_CANDIDATES, Purpose, Unsealed, candidates, join, split};
use proptest::prelude::*;

fn cookie_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,24}"
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..2048)
}

fn nonce() -> impl Strategy<Value = [u8; 12]> {
    any::<[u8; 12]>()
}

proptest! {
    #[test]
    fn round_trip_for_any_payload(name in cookie_name(), payload in payload(), life in 1u64..10_000_000, nonce in nonce()) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal(&name, &payload, at(NOW + life), at(NOW), nonce).unwrap();
        prop_assert_eq!(s.open(&name, &value, at(NOW)).unwrap(), payload);
    }

    #[test]
    fn any_changed_byte_is_refused(payload in payload(), index in any::<prop::sample::Index>(), mask in 1u8..=255, nonce in nonce()) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal("c", &payload, at(NOW + 60), at(NOW), nonce).unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(&value).unwrap();
        let i = index.index(raw.len());
        raw[i] ^= mask;
        prop_assert!(s.open("c", &URL_SAFE_NO_PAD.encode(&raw), at(NOW)).is_err());
    }

    #[test]
    fn any_added_byte_is_refused(payload in payload(), index in any::<prop::sample::Index>(), byte in any::<u8>(), nonce in nonce()) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal("c", &payload, at(NOW + 60), at(NOW), nonce).unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(&value).unwrap();
        let i = index.index(raw.len() + 1);
        raw.insert(i, byte);
        prop_assert!(s.open("c", &URL_SAFE_NO_PAD.encode(&raw), at(NOW)).is_err());
    }

    #[test]
    fn any_removed_byte_is_refused(payload in payload(), index in any::<prop::sample::Index>(), nonce in nonce()) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal("c", &payload, at(NOW + 60), at(NOW), nonce).unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(&value).unwrap();
        let i = index.index(raw.len());
        raw.remove(i);
        prop_assert!(s.open("c", &URL_SAFE_NO_PAD.encode(&raw), at(NOW)).is_err());
    }

    #[test]
    fn any_changed_character_is_refused(payload in payload(), index in any::<prop::sample::Index>(), replacement in "[A-Za-z0-9_=.+/-]", nonce in nonce()) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal("c", &payload, at(NOW + 60), at(NOW), nonce).unwrap();
        let i = index.index(value.len());
        prop_assume!(value[i..=i] != replacement);
        let changed = format!("{}{}{}", &value[..i], replacement, &value[i + 1..]);
        prop_assert!(s.open("c", &changed, at(NOW)).is_err());
    }

    #[test]
    fn a_wrong_name_is_refused(name in cookie_name(), other in cookie_name(), payload in payload()) {
        prop_assume!(name != other);
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal(&name, &payload, at(NOW + 60), at(NOW), [1; 12]).unwrap();
        prop_assert_eq!(s.open(&other, &value, at(NOW)), Err(Unsealed::Forged));
    }

    #[test]
    fn expiry_is_exact(life in 1u64..100_000_000) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal("c", b"p", at(NOW + life), at(NOW), [1; 12]).unwrap();
        prop_assert!(s.open("c", &value, at(NOW + life - 1)).is_ok());
        prop_assert_eq!(s.open("c", &value, at(NOW + life)), Err(Unsealed::Expired));
        prop_assert_eq!(s.open("c", &value, at(NOW + life + 1)), Err(Unsealed::Expired));
    }

    #[test]
    fn rotation_opens_old_values_and_a_removed_key_does_not(old in "[ -~]{1,40}", new in "[ -~]{1,40}", payload in payload()) {
        prop_assume!(old != new);
        let value = sealer(Purpose::Identity, &old, &[]).seal("c", &payload, at(NOW + 60), at(NOW), [1; 12]).unwrap();
        prop_assert_eq!(sealer(Purpose::Identity, &new, &[&old]).open("c", &value, at(NOW)).unwrap(), payload);
        prop_assert!(sealer(Purpose::Identity, &new, &[]).open("c", &value, at(NOW)).is_err());
    }

    #[test]
    fn split_then_join_round_trips_within_the_limit(len in 1usize..30_000, attributes in 0usize..200, name in cookie_name()) {
        let value: String = "AbC-_0".chars().cycle().take(len).collect();
        let cookies = split(&name, &value, attributes).unwrap();
        for (n, v) in &cookies {
            prop_assert!(n.len() + 1 + v.len() + attributes <= COOKIE_SIZE_LIMIT);
        }
        let joined = join(&name, cookies.iter().map(|(n, v)| (n.as_str(), v.as_str()))).unwrap();
        prop_assert_eq!(joined.as_deref(), Some(value.as_str()));
    }

    #[test]
    fn sealed_chunks_survive_any_order_of_cookies(payload in proptest::collection::vec(any::<u8>(), 4000..12_000), seed in any::<u64>()) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal("u", &payload, at(NOW + 60), at(NOW), [5; 12]).unwrap();
        let mut cookies = split("u", &value, 60).unwrap();
        prop_assert!(cookies.len() > 1);
        let len = cookies.len();
        cookies.rotate_left(usize::try_from(seed % len as u64).unwrap());
        let joined = join("u", cookies.iter().map(|(n, v)| (n.as_str(), v.as_str()))).unwrap().unwrap();
        prop_assert_eq!(s.open("u", &joined, at(NOW)).unwrap(), payload);
    }

    /// Cookies planted under the same names (a sibling domain's, a junk one, another set of
    /// chunks), all before or all after the app's own: while fewer than the bound less two
    /// are planted under the main name, the app's value is among the candidates; there are
    /// never more than the bound.
    #[test]
    fn the_own_value_is_a_candidate_whatever_is_planted_beside_it(
        own_len in prop_oneof![1usize..200, 4000usize..9000],
        planted in proptest::collection::vec((0usize..4, "[A-Za-z0-9_-]{0,40}"), 0..12),
        planted_first in any::<bool>(),
    ) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let payload = vec![7u8; own_len];
        let value = s.seal("u", &payload, at(NOW + 60), at(NOW), [5; 12]).unwrap();
        let own = split("u", &value, 60).unwrap();
        let junk: Vec<(String, String)> = planted
            .iter()
            .map(|(index, v)| {
                let name = if *index == 0 { "u".to_owned() } else { format!("u_{index}") };
                (name, v.clone())
            })
            .collect();
        let all: Vec<(&str, &str)> = if planted_first { junk.iter().chain(&own).collect::<Vec<_>>() } else { own.iter().chain(&junk).collect() }
            .into_iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let found = candidates("u", &all);
        prop_assert!(found.len() <= MAX_CANDIDATES);
        let planted_mains = junk.iter().filter(|(n, _)| n == "u").count();
        // Room for the app's own value under both picks (first and last chunk of each index).
        if planted_mains + 2 <= MAX_CANDIDATES {
            prop_assert!(
                found.iter().any(|c| s.open("u", c, at(NOW)).is_ok_and(|p| p == payload)),
                "{} candidates", found.len()
            );
        }
    }

    #[test]
    fn any_corruption_of_a_chunk_set_is_refused(
        payload in proptest::collection::vec(any::<u8>(), 5000..12_000),
        other_payload in proptest::collection::vec(any::<u8>(), 5000..12_000),
        corruption in 0usize..5,
        pick in any::<prop::sample::Index>(),
    ) {
        let s = sealer(Purpose::Identity, "secret", &[]);
        let value = s.seal("u", &payload, at(NOW + 60), at(NOW), [5; 12]).unwrap();
        let other = s.seal("u", &other_payload, at(NOW + 60), at(NOW), [6; 12]).unwrap();
        let mut cookies = split("u", &value, 60).unwrap();
        let other_cookies = split("u", &other, 60).unwrap();
        let chunk = 1 + pick.index(cookies.len() - 1);
        match corruption {
            // A missing chunk.
            0 => { cookies.remove(chunk); }
            // An extra chunk beyond the count.
            1 => { let n = cookies.len(); cookies.push((format!("u_{n}"), "AAAA".into())); }
            // A duplicated chunk.
            2 => { let c = cookies[chunk].clone(); cookies.push(c); }
            // Two chunks' values swapped.
            3 => {
                let first = cookies[0].1.split_once('.').unwrap().1.to_owned();
                let count = cookies[0].1.split_once('.').unwrap().0.to_owned();
                let swapped = cookies[chunk].1.clone();
                cookies[0].1 = format!("{count}.{swapped}");
                cookies[chunk].1 = first;
                prop_assume!(cookies[0].1 != format!("{count}.{}", cookies[chunk].1));
            }
            // A chunk from another set.
            _ => {
                let Some(foreign) = other_cookies.iter().find(|(n, _)| *n == cookies[chunk].0) else {
                    return Ok(());
                };
                cookies[chunk].1 = foreign.1.clone();
            }
        }
        let outcome = join("u", cookies.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .and_then(|joined| s.open("u", &joined.unwrap(), at(NOW)));
        prop_assert!(outcome.is_err(), "corruption {} accepted", corruption);
    }
}

/// A request stuffed with cookies of one name, chunk-looking or not, is read in one pass and
/// gives at most the bound of candidates (this took seconds when each chunk index rescanned
/// every cookie).
#[test]
fn a_flood_of_cookies_of_one_name_gives_a_bounded_list_in_one_pass() {
    let mut cookies: Vec<(String, String)> = Vec::new();
    for i in 0..30_000 {
        cookies.push(("u".to_owned(), format!("{}.x{i}", 2 + i % 9)));
        cookies.push((format!("u_{}", 1 + i % 12), format!("y{i}")));
    }
    let borrowed: Vec<(&str, &str)> = cookies
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let found = candidates("u", &borrowed);
    assert!(
        !found.is_empty() && found.len() <= MAX_CANDIDATES,
        "{}",
        found.len()
    );
}

#[test]
fn a_small_value_is_one_cookie() {
    let cookies = split("u", "abc", 50).unwrap();
    assert_eq!(cookies, [("u".to_owned(), "abc".to_owned())]);
}

#[test]
fn a_missing_main_cookie_is_absent_not_an_error() {
    assert_eq!(join("u", [("u_1", "x"), ("other", "y")]), Ok(None));
}

#[test]
fn stray_chunks_next_to_a_single_value_are_refused() {
    assert_eq!(
        join("u", [("u", "abc"), ("u_1", "x")]),
        Err(Unsealed::BrokenChunks)
    );
}

#[test]
fn malformed_counts_are_refused() {
    for main in ["1.abc", "11.abc", "x.abc", "+2.abc", ".abc"] {
        assert_eq!(
            join("u", [("u", main), ("u_1", "x")]),
            Err(Unsealed::BrokenChunks),
            "{main}"
        );
    }
}

#[test]
fn other_cookies_with_similar_names_are_not_chunks() {
    assert_eq!(
        join(
            "u",
            [
                ("u", "abc"),
                ("u_tokens", "x"),
                ("u_01", "y"),
                ("uu_1", "z")
            ]
        ),
        Ok(Some(std::borrow::Cow::Borrowed("abc")))
    );
}

#[test]
fn a_single_cookie_is_borrowed_and_chunks_are_assembled() {
    assert!(matches!(
        join("u", [("u", "abc")]),
        Ok(Some(std::borrow::Cow::Borrowed("abc")))
    ));
    assert!(matches!(
        join("u", [("u", "2.ab"), ("u_1", "cd")]),
        Ok(Some(std::borrow::Cow::Owned(ref s))) if s == "abcd"
    ));
}

#[test]
fn header_size_is_reported() {
    let cookies = vec![
        ("a".to_owned(), "1".to_owned()),
        ("bb".to_owned(), "22".to_owned()),
    ];
    assert_eq!(
        doorman_seal::cookie_header_len(&cookies),
        "a=1; bb=22".len()
    );
}
