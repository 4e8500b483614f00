//! The 0–100 performance score: each metric's P75 scored on a log-normal curve, then a
//! weighted mean, as Lighthouse and Sentry do (this is our own implementation).
//!
//! A metric's curve is fixed by two control points: the value that scores 0.9 (`p10`,
//! "good") and the one that scores 0.5 (`median`). We take the published web-vitals
//! thresholds for them: the "good" threshold scores 90, the "poor" threshold 50.
//!
//! | metric | weight | p10 (→ 90) | median (→ 50) |
//! |---|---|---|---|
//! | LCP | 30 % | 2500 ms | 4000 ms |
//! | INP | 30 % | 200 ms | 500 ms |
//! | CLS | 15 % | 0.1 | 0.25 |
//! | FCP | 15 % | 1800 ms | 3000 ms |
//! | TTFB | 10 % | 800 ms | 1800 ms |
//!
//! With `μ = ln(median)` and `σ = (ln(median) − ln(p10)) / z₀.₉` (z₀.₉ = 1.28155…, the
//! standard normal's 90th percentile), a value `v` scores `1 − Φ((ln v − μ) / σ)`, i.e.
//! `½·erfc((ln v − μ) / (σ√2))`; 0 and below score 1. A group missing some metrics is scored
//! on the others, their weights scaled up to 100 %.

use serde::Serialize;

/// `(name, weight, p10, median)`.
pub const CURVES: &[(&str, f64, f64, f64)] = &[
    ("LCP", 0.30, 2500.0, 4000.0),
    ("INP", 0.30, 200.0, 500.0),
    ("CLS", 0.15, 0.1, 0.25),
    ("FCP", 0.15, 1800.0, 3000.0),
    ("TTFB", 0.10, 800.0, 1800.0),
];

/// The standard normal distribution's 0.9 quantile.
const Z90: f64 = 1.281_551_565_544_600_4;

/// The score in `[0, 1]` of `value` on the curve through `(p10, 0.9)` and `(median, 0.5)`.
pub fn log_normal_score(value: f64, p10: f64, median: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let mu = median.ln();
    let sigma = (mu - p10.ln()) / Z90;
    0.5 * erfc((value.ln() - mu) / (sigma * std::f64::consts::SQRT_2))
}

/// The complementary error function, by the Chebyshev fit of Numerical Recipes
/// (`erfcc`, fractional error below 1.2e-7 everywhere): far finer than a score needs.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * poly.exp();
    if x >= 0.0 {
        value
    } else {
        2.0 - value
    }
}

/// One metric's part of a score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Part {
    pub name: String,
    pub p75: f64,
    /// 0–100.
    pub score: f64,
    /// The weight it counted with, after scaling for missing metrics.
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    /// 0–100; `null` when none of the scored metrics was measured.
    pub score: Option<f64>,
    pub parts: Vec<Part>,
}

/// The score of a group whose metrics have these P75s (`(name, p75)`; other names ignored).
pub fn score(p75s: &[(&str, f64)]) -> Score {
    let present: Vec<(&str, f64, f64, f64, f64)> = CURVES
        .iter()
        .filter_map(|(name, weight, p10, median)| {
            let p75 = p75s.iter().find(|(n, _)| n == name)?.1;
            Some((*name, *weight, *p10, *median, p75))
        })
        .collect();
    let total: f64 = present.iter().map(|p| p.1).sum();
    if present.is_empty() {
        return Score {
            score: None,
            parts: Vec::new(),
        };
    }
    let parts: Vec<Part> = present
        .iter()
        .map(|(name, weight, p10, median, p75)| Part {
            name: (*name).to_owned(),
            p75: *p75,
            score: 100.0 * log_normal_score(*p75, *p10, *median),
            weight: weight / total,
        })
        .collect();
    Score {
        score: Some(parts.iter().map(|p| p.score * p.weight).sum()),
        parts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn erfc_matches_known_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122),
            (1.0, 0.157_299_207),
            (-1.0, 1.842_700_793),
            (3.0, 0.000_022_090_5),
        ] {
            assert!(
                (erfc(x) - want).abs() < 2e-7 * want.max(1e-3),
                "erfc({x}) = {}",
                erfc(x)
            );
        }
    }

    #[test]
    fn the_control_points_score_90_and_50() {
        for (_, _, p10, median) in CURVES {
            assert!(close(log_normal_score(*p10, *p10, *median), 0.9), "{p10}");
            assert!(
                close(log_normal_score(*median, *p10, *median), 0.5),
                "{median}"
            );
        }
        assert_eq!(
            log_normal_score(0.0, 0.1, 0.25),
            1.0,
            "no layout shift at all"
        );
        let lcp = |v| log_normal_score(v, 2500.0, 4000.0);
        assert!(lcp(1000.0) > 0.99 && lcp(10_000.0) < 0.05 && lcp(3000.0) > lcp(3500.0));
    }

    #[test]
    fn weights_scale_to_the_metrics_present() {
        let all = score(&[
            ("LCP", 2500.0),
            ("INP", 200.0),
            ("CLS", 0.1),
            ("FCP", 1800.0),
            ("TTFB", 800.0),
        ]);
        assert!(close(all.score.unwrap(), 90.0));
        let two = score(&[("LCP", 4000.0), ("CLS", 0.1), ("FID", 1.0)]);
        // LCP 50 at 2/3 of the weight, CLS 90 at 1/3.
        assert!(close(two.score.unwrap(), 50.0 * 2.0 / 3.0 + 90.0 / 3.0));
        assert_eq!(two.parts.len(), 2);
        assert_eq!(score(&[("FP", 1.0)]).score, None);
    }
}
