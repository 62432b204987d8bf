//! The search for the highest paced rate at which every span made is delivered.

/// Runs of one search at most.
const MAX_RUNS: usize = 8;
/// The search stops once the lowest rate that lost spans is within this factor
/// of the highest that lost none.
const PRECISION: f64 = 1.06;

/// From a starting rate: up by 15 % while nothing is lost, down by 20 % until
/// nothing is, then halving the gap (geometric mean) until the lowest losing
/// rate is within 6 % of the highest clean one, in at most 8 runs.
#[derive(Debug, Clone)]
pub struct Search {
    start: f64,
    /// Every rate tried, in order, and whether it lost nothing.
    pub tried: Vec<(f64, bool)>,
    best: Option<f64>,
    lost: Option<f64>,
}

impl Search {
    pub fn new(start: f64) -> Search {
        Search {
            start,
            tried: Vec::new(),
            best: None,
            lost: None,
        }
    }

    /// The next rate to try; `None` when the search is over.
    pub fn next(&self) -> Option<f64> {
        if self.tried.len() >= MAX_RUNS {
            return None;
        }
        match (self.best, self.lost) {
            (None, None) => Some(self.start),
            (Some(ok), None) => Some(ok * 1.15),
            (None, Some(lost)) => Some(lost * 0.8).filter(|r| *r >= 1000.0),
            // A lower rate that lost after a higher one that did not: the
            // noise is larger than the gap; stop there.
            (Some(ok), Some(lost)) if lost / ok <= PRECISION => None,
            (Some(ok), Some(lost)) => Some((ok * lost).sqrt()),
        }
    }

    pub fn record(&mut self, rate: f64, delivered_all: bool) {
        self.tried.push((rate, delivered_all));
        if delivered_all {
            self.best = Some(self.best.map_or(rate, |b| b.max(rate)));
        } else {
            self.lost = Some(self.lost.map_or(rate, |l| l.min(rate)));
        }
    }

    /// The highest rate that lost nothing (0 if none did).
    pub fn best(&self) -> f64 {
        self.best.unwrap_or(0.0)
    }

    /// Whether a rate above the best one lost spans (otherwise the best is a
    /// lower bound: the search ran out of runs going up).
    pub fn bounded(&self) -> bool {
        self.lost.is_some_and(|l| l > self.best())
    }
}
