//! The string family: insignificant-space handling for the caseIgnore and
//! caseExact rules, and the key behind approximate matching.

/// Map white space to single spaces and trim, optionally folding case: the
/// insignificant-space handling of RFC 4518 without its full Unicode tables.
pub(super) fn squash(s: &str, fold: bool) -> String {
    if s.is_ascii() {
        return squash_ascii(s.as_bytes(), fold);
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        if fold {
            out.extend(word.chars().flat_map(char::to_lowercase));
        } else {
            out.push_str(word);
        }
    }
    out
}

/// [`squash`] for ASCII text, byte by byte (mail addresses, domains, uids): the
/// per-character Unicode case mapping cost more than the lookup around it.
fn squash_ascii(s: &[u8], fold: bool) -> String {
    let space = |b: &u8| b.is_ascii_whitespace() || *b == 0x0b;
    if !s.iter().any(space) {
        // One word (nearly every value a lookup asserts): a copy, lower-cased in
        // place, instead of a push per character (callgrind: 600 instructions for
        // a 20-byte address).
        let mut out = s.to_vec();
        if fold {
            out.make_ascii_lowercase();
        }
        return String::from_utf8(out).unwrap_or_default();
    }
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for &b in s {
        if b.is_ascii_whitespace() || b == 0x0b {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(char::from(if fold { b.to_ascii_lowercase() } else { b }));
    }
    out
}

/// A loose "sounds like" key for approximate matching (`~=`), documented here
/// because RFC 4511 leaves the algorithm to the server: fold case, keep letters
/// and digits, and per word keep the first letter, drop later vowels and
/// h/w/y, and collapse doubled letters. "John Smyth" and "Jon Smith" both give
/// "jn smt". Values that reduce to nothing compare by their folded text.
pub fn approx_key(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let folded = squash(&text, true);
    let mut words = Vec::new();
    for word in folded.split(' ') {
        let mut key = String::new();
        let mut last: Option<char> = None;
        for (i, c) in word.chars().filter(|c| c.is_alphanumeric()).enumerate() {
            let skip = i > 0 && matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'w');
            if !skip && last != Some(c) {
                key.push(c);
            }
            if !skip {
                last = Some(c);
            }
        }
        if !key.is_empty() {
            words.push(key);
        }
    }
    if words.is_empty() {
        folded
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general path, for comparison: what squash does for non-ASCII text.
    fn squash_chars(s: &str, fold: bool) -> String {
        let words: Vec<String> = s
            .split(char::is_whitespace)
            .filter(|w| !w.is_empty())
            .map(|w| {
                if fold {
                    w.to_lowercase()
                } else {
                    w.to_string()
                }
            })
            .collect();
        words.join(" ")
    }

    #[test]
    fn the_ascii_fast_path_squashes_as_the_general_one() {
        for v in [
            "",
            "  ",
            " A\tB \n c\u{b}d\u{c}e\r",
            "User1@Domain1.Example",
            "x  y",
        ] {
            for fold in [true, false] {
                assert_eq!(squash(v, fold), squash_chars(v, fold), "{v:?} fold={fold}");
            }
        }
    }
}
