//! A HyperLogLog for the in-memory store: exact while small (up to [`EXACT_UP_TO`] distinct
//! hashes, which is every test and most minutes), then 4096 registers (p = 12, about 1.6 %
//! standard error, 4 KiB per key; Redis's own uses p = 14 and 12 KiB).

use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};

const P: u32 = 12;
const REGISTERS: usize = 1 << P;
const EXACT_UP_TO: usize = 256;

#[derive(Clone, Debug)]
pub enum Hll {
    Exact(BTreeSet<u64>),
    Dense(Box<[u8]>),
}

impl Default for Hll {
    fn default() -> Self {
        Hll::Exact(BTreeSet::new())
    }
}

fn hash(member: &str) -> u64 {
    // SipHash with fixed keys: the same member always lands in the same register.
    let mut hasher = DefaultHasher::new();
    member.hash(&mut hasher);
    hasher.finish()
}

fn set_register(registers: &mut [u8], hash: u64) {
    let index = (hash >> (64 - P)) as usize;
    let rest = (hash << P) | (1 << (P - 1));
    let rank = rest.leading_zeros() as u8 + 1;
    if let Some(register) = registers.get_mut(index) {
        *register = (*register).max(rank);
    }
}

impl Hll {
    pub fn add(&mut self, member: &str) {
        let hash = hash(member);
        match self {
            Hll::Exact(hashes) => {
                hashes.insert(hash);
                if hashes.len() > EXACT_UP_TO {
                    let mut registers = vec![0u8; REGISTERS].into_boxed_slice();
                    for h in hashes.iter() {
                        set_register(&mut registers, *h);
                    }
                    *self = Hll::Dense(registers);
                }
            }
            Hll::Dense(registers) => set_register(registers, hash),
        }
    }

    /// The estimated number of distinct members of the union of `all`.
    pub fn count_union<'a>(all: impl IntoIterator<Item = &'a Hll>) -> u64 {
        let mut exact = BTreeSet::new();
        let mut dense: Option<Box<[u8]>> = None;
        for hll in all {
            match hll {
                Hll::Exact(hashes) => exact.extend(hashes.iter().copied()),
                Hll::Dense(registers) => {
                    let merged = dense.get_or_insert_with(|| vec![0u8; REGISTERS].into());
                    for (into, from) in merged.iter_mut().zip(registers.iter()) {
                        *into = (*into).max(*from);
                    }
                }
            }
        }
        let Some(mut registers) = dense.or_else(|| {
            (exact.len() > EXACT_UP_TO).then(|| vec![0u8; REGISTERS].into_boxed_slice())
        }) else {
            return exact.len() as u64;
        };
        for h in &exact {
            set_register(&mut registers, *h);
        }
        estimate(&registers)
    }
}

fn estimate(registers: &[u8]) -> u64 {
    let m = REGISTERS as f64;
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let sum: f64 = registers.iter().map(|r| 2f64.powi(-i32::from(*r))).sum();
    let raw = alpha * m * m / sum;
    let zeros = registers.iter().filter(|r| **r == 0).count();
    let estimate = if raw <= 2.5 * m && zeros > 0 {
        // Linear counting is better while many registers are still empty.
        m * (m / zeros as f64).ln()
    } else {
        raw
    };
    estimate.round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_while_small() {
        let mut hll = Hll::default();
        for n in 0..200 {
            hll.add(&n.to_string());
            hll.add(&n.to_string());
        }
        assert_eq!(Hll::count_union([&hll]), 200);
    }

    #[test]
    fn estimates_within_a_few_percent_when_large() {
        for n in [1_000u64, 20_000, 200_000] {
            let (mut a, mut b) = (Hll::default(), Hll::default());
            for i in 0..n {
                a.add(&format!("visitor-{i}"));
                b.add(&format!("visitor-{}", i + n / 2));
            }
            let error = |got: u64, want: u64| (got as f64 - want as f64).abs() / want as f64;
            assert!(error(Hll::count_union([&a]), n) < 0.05, "{n}");
            let union = Hll::count_union([&a, &b]);
            assert!(error(union, n + n / 2) < 0.05, "{n}: union {union}");
        }
    }

    #[test]
    fn a_small_set_joins_a_large_one() {
        let (mut big, mut small) = (Hll::default(), Hll::default());
        for i in 0..5_000 {
            big.add(&i.to_string());
        }
        for i in 0..10 {
            small.add(&format!("other-{i}"));
        }
        let union = Hll::count_union([&small, &big]);
        assert!((4_800..5_300).contains(&union), "{union}");
    }
}
