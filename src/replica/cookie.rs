//! The sync cookie on the replica's side: the one to resume from, and the rule that
//! keeps it from getting ahead of the data. The store commits a cookie in the
//! transaction of the change it follows (`Directory::apply_replicated_entry`); while
//! entries wait for their parents, a newer cookie is held back here until they are in.

/// The cookie the replica resumes from, and one held back while entries wait.
#[derive(Debug, Default)]
pub struct Cookies {
    /// The last cookie stored (or loaded at start): the next session starts from it.
    pub current: Option<Vec<u8>>,
    /// A cookie that arrived while entries waited for their parents.
    held: Option<Vec<u8>>,
}

impl Cookies {
    /// Start from `stored`, the cookie the store holds.
    pub fn new(stored: Option<Vec<u8>>) -> Cookies {
        Cookies {
            current: stored,
            held: None,
        }
    }

    /// The cookie to commit with the next change: `cookie`, unless entries are
    /// waiting (`waiting`), in which case it is held back and nothing is committed.
    pub fn commit_with(&mut self, cookie: Option<Vec<u8>>, waiting: bool) -> Option<Vec<u8>> {
        match (cookie, waiting) {
            (None, _) => None,
            (Some(c), true) => {
                self.held = Some(c);
                None
            }
            (Some(c), false) => Some(c),
        }
    }

    /// The cookie held back, now that no entry waits.
    pub fn release(&mut self) -> Option<Vec<u8>> {
        self.held.take()
    }

    /// Note that `cookie` is stored.
    pub fn stored(&mut self, cookie: &[u8]) {
        self.current = Some(cookie.to_vec());
    }

    /// Forget the cookie (e-syncRefreshRequired): the next session refreshes fully.
    /// The store keeps its own until the full refresh replaces it.
    pub fn forget(&mut self) {
        self.current = None;
        self.held = None;
    }
}

/// A cookie as the log shows it (slapd's are text: `rid=001,csn=...`).
pub fn printable(cookie: Option<&[u8]>) -> String {
    match cookie {
        None => "none".to_string(),
        Some(c) => String::from_utf8_lossy(c).into_owned(),
    }
}
