//! The string family: insignificant-space handling for the caseIgnore and
//! caseExact rules, and the key behind approximate matching.

/// Map white space to single spaces and trim, optionally folding case: the
/// insignificant-space handling of RFC 4518 without its full Unicode tables.
pub(super) fn squash(s: &str, fold: bool) -> String {
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
