//! A deterministic xorshift generator for the unit tests that make up their input
//! (random and mangled LDIF, BER requests), so a failure reproduces.

/// The generator; the seed is its whole state (never zero).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (not zero).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
