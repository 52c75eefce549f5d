//! Chunking: one sealed value across `name`, `name_1`, `name_2`, ... so that every
//! `Set-Cookie` line stays within the browser's 4096 bytes.
//!
//! A value that fits is one cookie holding the sealed value. A larger one is cut into `n`
//! pieces: `name` holds `"{n}." + piece 0`, `name_i` holds piece `i`. The pieces are parts
//! of one authenticated ciphertext, so a piece that is missing, reordered or taken from
//! another set makes the joined value fail authentication; [`join`] also refuses a chunk
//! set whose cookies do not match its count before trying.

use std::borrow::Cow;

use crate::error::{SealError, Unsealed};
use crate::format::is_cookie_name;

/// The most bytes a browser keeps for one cookie line (name, value and attributes).
pub const COOKIE_SIZE_LIMIT: usize = 4096;

/// A common proxy limit for the whole `Cookie` request header (nginx's default buffer).
pub const PROXY_HEADER_BUDGET: usize = 8192;

/// The most cookies one value may be spread over.
pub const MAX_CHUNKS: usize = 10;

/// The name of chunk `index` (1-based) of cookie `name`.
#[must_use]
fn chunk_name(name: &str, index: usize) -> String {
    format!("{name}_{index}")
}

/// Splits a sealed value into `(cookie name, cookie value)` pairs so that each
/// `name=value` plus `attributes_len` bytes of attributes (`"; Path=/; HttpOnly; ..."`)
/// fits in [`COOKIE_SIZE_LIMIT`].
///
/// # Errors
/// [`SealError::TooLarge`] when it would take more than [`MAX_CHUNKS`] cookies;
/// [`SealError::InvalidCookieName`] for a name that is not a cookie name.
pub fn split(
    name: &str,
    sealed: &str,
    attributes_len: usize,
) -> Result<Vec<(String, String)>, SealError> {
    if !is_cookie_name(name) {
        return Err(SealError::InvalidCookieName);
    }
    let room = |cookie_name_len: usize, prefix_len: usize| {
        COOKIE_SIZE_LIMIT.saturating_sub(cookie_name_len + 1 + prefix_len + attributes_len)
    };
    if sealed.len() <= room(name.len(), 0) {
        return Ok(vec![(name.to_owned(), sealed.to_owned())]);
    }
    for count in 2..=MAX_CHUNKS {
        let prefix = format!("{count}.");
        let mut capacities = vec![room(name.len(), prefix.len())];
        capacities.extend((1..count).map(|i| room(chunk_name(name, i).len(), 0)));
        if capacities.contains(&0) || capacities.iter().sum::<usize>() < sealed.len() {
            continue;
        }
        // Spread evenly so no chunk is much larger than another.
        let per_chunk = sealed.len().div_ceil(count);
        let mut cookies = Vec::with_capacity(count);
        let mut rest = sealed;
        for (index, capacity) in capacities.iter().enumerate() {
            let take = per_chunk.min(*capacity).min(rest.len());
            let take = if index + 1 == count { rest.len() } else { take };
            let (piece, tail) = rest.split_at(take);
            rest = tail;
            if index == 0 {
                cookies.push((name.to_owned(), format!("{prefix}{piece}")));
            } else {
                cookies.push((chunk_name(name, index), piece.to_owned()));
            }
        }
        if cookies
            .iter()
            .all(|(n, v)| n.len() + 1 + v.len() + attributes_len <= COOKIE_SIZE_LIMIT)
        {
            return Ok(cookies);
        }
    }
    Err(SealError::TooLarge)
}

/// Joins the cookie `name` and its chunks from a request's cookies into the sealed value.
///
/// `Ok(None)` when there is no cookie `name`. Cookies with other names are passed over.
/// A value in one cookie is borrowed, not copied; only a chunked value is assembled.
///
/// # Errors
/// [`Unsealed::BrokenChunks`] when a chunk is missing, duplicated, or beyond the count,
/// or the count is malformed.
pub fn join<'a>(
    name: &str,
    cookies: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Option<Cow<'a, str>>, Unsealed> {
    let mut main: Option<&str> = None;
    let mut chunks: Vec<(usize, &str)> = Vec::new();
    for (cookie_name, value) in cookies {
        if cookie_name == name {
            if main.replace(value).is_some() {
                return Err(Unsealed::BrokenChunks);
            }
        } else if let Some(index) = chunk_index(name, cookie_name) {
            chunks.push((index, value));
        }
    }
    let Some(main) = main else {
        return Ok(None);
    };
    let Some((count, first)) = chunk_count(main)? else {
        return if chunks.is_empty() {
            Ok(Some(Cow::Borrowed(main)))
        } else {
            Err(Unsealed::BrokenChunks)
        };
    };
    if chunks.len() != count - 1 {
        return Err(Unsealed::BrokenChunks);
    }
    chunks.sort_unstable_by_key(|(index, _)| *index);
    if chunks
        .iter()
        .enumerate()
        .any(|(position, (index, _))| *index != position + 1)
    {
        return Err(Unsealed::BrokenChunks);
    }
    let mut joined =
        String::with_capacity(main.len() + chunks.iter().map(|(_, v)| v.len()).sum::<usize>());
    joined.push_str(first);
    for (_, piece) in chunks {
        joined.push_str(piece);
    }
    Ok(Some(Cow::Owned(joined)))
}

/// The most candidate values [`candidates`] gives: a bound on the opening work a request
/// full of cookies of one name can cause.
pub const MAX_CANDIDATES: usize = 8;

/// Every value the cookie `name` and its chunks can make from a request's cookies, at most
/// [`MAX_CANDIDATES`]: for use when several cookies share a name (one set by this app, one
/// planted by a sibling domain) and the caller keeps the first candidate that opens.
///
/// With one cookie `name` and no duplicated chunk, this is [`join`]'s value. Otherwise each
/// of the first [`MAX_CANDIDATES`] cookies `name` in turn is a candidate: alone when it is not
/// chunked; joined with the first and then with the last cookie of each chunk index when it
/// is (browsers send cookies of a longer path, then of an earlier creation, first). One pass
/// over the cookies, whatever their number.
#[must_use]
pub fn candidates<'a>(name: &str, cookies: &[(&'a str, &'a str)]) -> Vec<Cow<'a, str>> {
    if let Ok(Some(value)) = join(name, cookies.iter().copied()) {
        return vec![value];
    }
    let mut mains: Vec<&str> = Vec::new();
    let mut first: [Option<&str>; MAX_CHUNKS] = [None; MAX_CHUNKS];
    let mut last: [Option<&str>; MAX_CHUNKS] = [None; MAX_CHUNKS];
    for &(cookie_name, value) in cookies {
        if cookie_name == name {
            if mains.len() < MAX_CANDIDATES {
                mains.push(value);
            }
        } else if let Some(index) = chunk_index(name, cookie_name).filter(|i| *i < MAX_CHUNKS) {
            first[index].get_or_insert(value);
            last[index] = Some(value);
        }
    }
    let mut found: Vec<Cow<'a, str>> = Vec::new();
    for main in mains {
        match chunk_count(main) {
            Ok(None) => found.push(Cow::Borrowed(main)),
            Ok(Some((count, piece))) => {
                for picks in [&first, &last] {
                    let Some(rest) = (1..count).map(|i| picks[i]).collect::<Option<Vec<_>>>()
                    else {
                        continue;
                    };
                    let joined: String = std::iter::once(piece).chain(rest).collect();
                    if !found.iter().any(|f| **f == joined) {
                        found.push(Cow::Owned(joined));
                    }
                }
            }
            Err(_) => {}
        }
    }
    found.truncate(MAX_CANDIDATES);
    found
}

/// The chunk count of a first cookie (`"{n}." + piece`) and its piece; `None` for a value
/// in one cookie.
///
/// # Errors
/// [`Unsealed::BrokenChunks`] for a malformed count.
fn chunk_count(main: &str) -> Result<Option<(usize, &str)>, Unsealed> {
    // The count has at most two digits: only the first three characters may hold the `.`,
    // so a value in one cookie is not scanned through (base64url has no `.` anyway).
    let Some(at) = main.bytes().take(3).position(|b| b == b'.') else {
        return Ok(None);
    };
    let count = &main[..at];
    match count.parse() {
        Ok(n) if (2..=MAX_CHUNKS).contains(&n) && count.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Some((n, &main[at + 1..])))
        }
        _ => Err(Unsealed::BrokenChunks),
    }
}

/// The chunk index of `cookie_name` if it is `name_<digits>` (digits without a leading zero).
fn chunk_index(name: &str, cookie_name: &str) -> Option<usize> {
    let digits = cookie_name.strip_prefix(name)?.strip_prefix('_')?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether `cookie_name` is `name` or one of its chunks: what to clear when clearing `name`.
#[must_use]
pub fn is_part_of(name: &str, cookie_name: &str) -> bool {
    cookie_name == name || chunk_index(name, cookie_name).is_some()
}

/// The size of the `Cookie` request header these cookies make: `a=1; b=2`.
///
/// Compare it with [`PROXY_HEADER_BUDGET`] to warn before proxies start refusing requests.
#[must_use]
pub fn cookie_header_len(cookies: &[(String, String)]) -> usize {
    let pairs: usize = cookies.iter().map(|(n, v)| n.len() + 1 + v.len()).sum();
    pairs + 2 * cookies.len().saturating_sub(1)
}
