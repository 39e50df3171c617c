//! How a step's rounds become one verdict: the medians with their spread,
//! the pass rule, the knee, and the ratios between two contenders.
//!
//! Pure arithmetic over figures already measured, so it is tested without
//! a server. A step passes for a contender when every group's *median* p99
//! is under the threshold and *no* round of it missed a delivery, dropped a
//! subscriber or lost a sender: one noisy round can neither make nor break
//! a knee on latency, but a lost message is never averaged away.

use crate::report::Spread;

/// What one group saw in one round, as the verdict needs it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct GroupFigures {
    pub(super) per_second: f64,
    pub(super) p50_ms: f64,
    pub(super) p99_ms: f64,
    pub(super) p999_ms: f64,
}

/// What one round of a step did against one contender.
#[derive(Debug, Clone, Default)]
pub(super) struct RoundFigures {
    /// Per group.
    pub(super) groups: Vec<GroupFigures>,
    /// Over all groups (deliveries/s summed, latency over every delivery).
    pub(super) all: GroupFigures,
    pub(super) server_cpu: Option<f64>,
    /// Deliveries expected and not seen.
    pub(super) missing: u64,
    /// Subscribers disconnected, senders dropped and sends refused.
    pub(super) lost: u64,
}

/// A figure's spread over the rounds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub(super) struct GroupSpread {
    pub(super) per_second: Spread,
    pub(super) p50_ms: Spread,
    pub(super) p99_ms: Spread,
    pub(super) p999_ms: Spread,
}

impl GroupSpread {
    fn of<'a>(figures: impl Iterator<Item = &'a GroupFigures> + Clone) -> GroupSpread {
        GroupSpread {
            per_second: Spread::of(figures.clone().map(|f| f.per_second)),
            p50_ms: Spread::of(figures.clone().map(|f| f.p50_ms)),
            p99_ms: Spread::of(figures.clone().map(|f| f.p99_ms)),
            p999_ms: Spread::of(figures.map(|f| f.p999_ms)),
        }
    }
}

/// A step's rounds against one contender, summed up.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(super) struct StepSummary {
    pub(super) rounds: usize,
    pub(super) groups: Vec<GroupSpread>,
    pub(super) all: GroupSpread,
    pub(super) server_cpu: Spread,
    /// Summed over the rounds.
    pub(super) missing: u64,
    /// Summed over the rounds.
    pub(super) lost: u64,
    pub(super) passed: bool,
}

impl StepSummary {
    /// The medians and spreads of `rounds`, and whether the step passed
    /// under `threshold_ms`.
    pub(super) fn of(rounds: &[RoundFigures], threshold_ms: f64) -> StepSummary {
        let group_count = rounds.iter().map(|r| r.groups.len()).max().unwrap_or(0);
        let groups: Vec<GroupSpread> = (0..group_count)
            .map(|g| GroupSpread::of(rounds.iter().filter_map(move |r| r.groups.get(g))))
            .collect();
        let missing = rounds.iter().map(|r| r.missing).sum();
        let lost = rounds.iter().map(|r| r.lost).sum();
        let passed = !rounds.is_empty()
            && missing == 0
            && lost == 0
            && groups.iter().all(|g| g.p99_ms.median <= threshold_ms);
        StepSummary {
            rounds: rounds.len(),
            all: GroupSpread::of(rounds.iter().map(|r| &r.all)),
            groups,
            server_cpu: Spread::of(rounds.iter().filter_map(|r| r.server_cpu)),
            missing,
            lost,
            passed,
        }
    }
}

/// The knee: the highest step passed before the first one failed (a
/// contender stops stepping at its first failure).
pub(super) fn knee(passed: impl IntoIterator<Item = bool>) -> Option<usize> {
    passed
        .into_iter()
        .take_while(|p| *p)
        .enumerate()
        .last()
        .map(|(i, _)| i)
}

/// This contender's medians over another's at one step: deliveries per
/// second and p50 (above 1 means more deliveries, or a slower median).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub(super) struct StepRatio {
    pub(super) per_second: Option<f64>,
    pub(super) p50: Option<f64>,
}

impl StepRatio {
    pub(super) fn of(ours: &StepSummary, theirs: &StepSummary) -> StepRatio {
        StepRatio {
            per_second: ours.all.per_second.ratio(&theirs.all.per_second),
            p50: ours.all.p50_ms.ratio(&theirs.all.p50_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(per_second: f64, p50: f64, p99: f64) -> RoundFigures {
        let g = GroupFigures {
            per_second,
            p50_ms: p50,
            p99_ms: p99,
            p999_ms: p99 * 2.0,
        };
        RoundFigures {
            groups: vec![g],
            all: g,
            server_cpu: Some(50.0),
            missing: 0,
            lost: 0,
        }
    }

    #[test]
    fn one_slow_round_does_not_fail_a_step_but_one_missing_delivery_does() {
        let rounds = [
            round(1000.0, 5.0, 20.0),
            round(900.0, 6.0, 80.0),
            round(950.0, 4.0, 30.0),
        ];
        let s = StepSummary::of(&rounds, 50.0);
        assert!(s.passed, "the median p99 is 30 ms");
        assert_eq!(s.all.p99_ms.median, 30.0);
        assert_eq!((s.all.p99_ms.min, s.all.p99_ms.max), (20.0, 80.0));
        assert_eq!(s.all.per_second.median, 950.0);
        assert_eq!(s.rounds, 3);

        let mut missing = rounds.clone();
        missing[0].missing = 1;
        let s = StepSummary::of(&missing, 50.0);
        assert!(!s.passed);
        assert_eq!(s.missing, 1);

        let mut lost = rounds.clone();
        lost[2].lost = 1;
        assert!(!StepSummary::of(&lost, 50.0).passed);

        let slow = [
            round(1.0, 1.0, 60.0),
            round(1.0, 1.0, 70.0),
            round(1.0, 1.0, 10.0),
        ];
        assert!(
            !StepSummary::of(&slow, 50.0).passed,
            "the median p99 is 60 ms"
        );
        assert!(!StepSummary::of(&[], 50.0).passed, "no round, no pass");
    }

    #[test]
    fn every_group_must_pass_on_its_own_median() {
        let mut r = round(100.0, 1.0, 10.0);
        r.groups.push(GroupFigures {
            p99_ms: 9.0,
            ..r.groups[0]
        });
        assert!(StepSummary::of(&[r.clone()], 9.5).groups.len() == 2);
        assert!(!StepSummary::of(&[r.clone()], 9.5).passed);
        assert!(StepSummary::of(&[r], 10.0).passed);
    }

    #[test]
    fn the_knee_is_the_last_step_passed_before_the_first_failure() {
        assert_eq!(knee([true, true, false]), Some(1));
        assert_eq!(knee([true, true, true]), Some(2));
        assert_eq!(knee([false, true]), None);
        assert_eq!(knee([true, false, true]), Some(0));
        assert_eq!(knee(Vec::<bool>::new()), None);
    }

    #[test]
    fn ratios_are_of_medians() {
        let ours = StepSummary::of(
            &[
                round(900.0, 6.0, 9.0),
                round(1200.0, 8.0, 9.0),
                round(1000.0, 7.0, 9.0),
            ],
            50.0,
        );
        let theirs = StepSummary::of(&[round(500.0, 14.0, 9.0), round(400.0, 2.0, 9.0)], 50.0);
        let ratio = StepRatio::of(&ours, &theirs);
        // 1000 / 450 and 7 / 8.
        assert!((ratio.per_second.unwrap() - 1000.0 / 450.0).abs() < 1e-9);
        assert!((ratio.p50.unwrap() - 0.875).abs() < 1e-9);
        let none = StepRatio::of(&ours, &StepSummary::default());
        assert_eq!((none.per_second, none.p50), (None, None));
    }
}
