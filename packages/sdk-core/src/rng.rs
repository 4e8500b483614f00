//! A small seeded random generator for event ids and sampling.
//!
//! Event ids only need to be unique, not secret, so SplitMix64 seeded from the browser's
//! clock and `Math.random` is enough and costs a few bytes instead of a crypto import.

use crate::event::EventId;

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn event_id(&mut self) -> EventId {
        let hi = u128::from(self.next_u64());
        let lo = u128::from(self.next_u64());
        EventId::from_u128((hi << 64) | lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_and_floats_stay_in_range() {
        let mut rng = Rng::new(7);
        let a = rng.event_id();
        let b = rng.event_id();
        assert!(a != b);
        for _ in 0..1000 {
            let f = rng.next_f64();
            assert!((0.0..1.0).contains(&f));
        }
    }
}
