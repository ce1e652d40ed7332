//! A byte budget shared by every connection: how much memory partly received large
//! requests may hold in total, so a flood of them is refused before memory runs out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The bytes all connections together may hold in partly received large requests.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    used: AtomicUsize,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            used: AtomicUsize::new(0),
        })
    }

    /// Take `n` bytes of the budget; false (and nothing taken) when they do not fit.
    pub fn reserve(&self, n: usize) -> bool {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            if used + n > self.limit {
                return false;
            }
            match self
                .used
                .compare_exchange(used, used + n, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(now) => used = now,
            }
        }
    }

    /// Give back `n` bytes taken with `reserve`.
    pub fn release(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }
}
