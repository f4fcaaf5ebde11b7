//! A small deterministic PRNG, so that a campaign's input `i` under seed `s`
//! is the same bytes on every machine and in every process: a crashed child
//! is replayed from `(s, i)` alone.

/// xorshift64* seeded through splitmix64.
#[derive(Clone, Debug)]
pub struct Rng(u64);

/// One step of splitmix64: spreads nearby seeds far apart.
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(splitmix(seed).max(1))
    }

    /// The generator for input `index` of a campaign with `seed`.
    pub fn for_input(seed: u64, index: u64) -> Rng {
        Rng::new(splitmix(seed) ^ splitmix(index.wrapping_add(0x5851_F42D_4C95_7F2D)))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((self.next_u64() >> 11) % n as u64) as usize
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A length skewed towards small values but reaching `max`: mostly a
    /// handful, sometimes hundreds, rarely the whole range.
    pub fn skewed(&mut self, max: usize) -> usize {
        let max = max.max(1);
        let bound = match self.below(16) {
            0..=10 => 8,
            11..=13 => 64,
            14 => 1024,
            _ => max,
        };
        1 + self.below(bound.min(max))
    }
}

/// FNV-1a, for fingerprints of outputs and inputs.
pub fn fnv(bytes: &[u8]) -> u64 {
    fnv_extend(0xCBF2_9CE4_8422_2325, bytes)
}

/// FNV-1a continued from `h` over `bytes`: hashing a stream chunk by chunk
/// gives the same as hashing it whole.
pub fn fnv_extend(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|i| Rng::for_input(7, i).next_u64()).collect();
        let b: Vec<u64> = (0..4).map(|i| Rng::for_input(7, i).next_u64()).collect();
        assert_eq!(a, b);
        let mut c = a.clone();
        c.sort();
        c.dedup();
        assert_eq!(c.len(), 4);
        assert_ne!(Rng::for_input(8, 0).next_u64(), a[0]);
    }

    #[test]
    fn skewed_stays_in_range() {
        let mut r = Rng::new(3);
        for _ in 0..10_000 {
            let n = r.skewed(20_000);
            assert!((1..=20_000).contains(&n));
        }
        assert_eq!(r.skewed(1), 1);
    }

    #[test]
    fn chunked_hash_is_whole_hash() {
        let whole = fnv(b"hello, world");
        assert_eq!(fnv_extend(fnv(b"hello"), b", world"), whole);
        assert_ne!(fnv(b"hello, worle"), whole);
    }
}
