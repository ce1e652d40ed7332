//! A candidate password checked against stored values (an entry's userPassword, the
//! configured rootpw) where the work belongs: digests inline in the caller, the slow
//! schemes on the hashing pool, admitted by the memory the costliest value needs.

use super::pool::{HashPool, PoolBusy};
use super::work::{verify_work, Work};
use super::{verify, Verification};

/// A candidate and the values it may match, owned so the check can move to the pool.
pub struct Check {
    stored: Vec<Vec<u8>>,
    candidate: Vec<u8>,
    allow_cleartext: bool,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Whether one of the values is the candidate's password.
    pub matched: bool,
    /// The values tried that could not be checked (`UnknownScheme`, `Malformed`), in order.
    pub problems: Vec<Verification>,
}

impl Check {
    /// Check `candidate` against `stored` (cleartext values only when `allow_cleartext`).
    pub fn new(stored: Vec<Vec<u8>>, candidate: &[u8], allow_cleartext: bool) -> Check {
        Check {
            stored,
            candidate: candidate.to_vec(),
            allow_cleartext,
        }
    }

    /// The work of the whole check: values are tried one after the other, so the
    /// costliest one decides.
    pub fn work(&self) -> Work {
        self.stored
            .iter()
            .map(|v| verify_work(v))
            .fold(Work::Inline, Work::max)
    }

    /// Check here and now, value by value until one matches.
    pub fn run(self) -> Checked {
        let mut problems = Vec::new();
        for stored in &self.stored {
            match verify(stored, &self.candidate, self.allow_cleartext) {
                Verification::Match => {
                    return Checked {
                        matched: true,
                        problems,
                    }
                }
                Verification::Mismatch => {}
                other => problems.push(other),
            }
        }
        Checked {
            matched: false,
            problems,
        }
    }

    /// Check inline when cheap, otherwise on `pool`, blocking this thread meanwhile
    /// (for callers already on a blocking thread).
    pub fn run_blocking(self, pool: &HashPool) -> Result<Checked, PoolBusy> {
        match self.work() {
            Work::Inline => Ok(self.run()),
            Work::Pooled { memory_kib } => pool.run_blocking(memory_kib, move || self.run()),
        }
    }

    /// Check inline when cheap, otherwise on `pool`, awaiting the result without
    /// holding a thread.
    pub async fn run_on(self, pool: &HashPool) -> Result<Checked, PoolBusy> {
        match self.work() {
            Work::Inline => Ok(self.run()),
            Work::Pooled { memory_kib } => pool.run(memory_kib, move || self.run()).await,
        }
    }
}
