//! What the benches share: contenders measured in interleaved rounds, so that noise on these
//! shared machines hits every contender alike, compared by their medians.
#![allow(dead_code)]

use std::time::{Duration, Instant};

pub struct Contender<'a> {
    pub name: &'static str,
    run: Box<dyn FnMut() + 'a>,
    rates: Vec<f64>,
}

impl<'a> Contender<'a> {
    pub fn new(name: &'static str, run: impl FnMut() + 'a) -> Self {
        Contender {
            name,
            run: Box::new(run),
            rates: Vec::new(),
        }
    }

    /// Runs for about `time`, in batches of `batch`, and records operations per second.
    fn round(&mut self, time: Duration, batch: u32) {
        let start = Instant::now();
        let mut ops = 0u64;
        while start.elapsed() < time {
            for _ in 0..batch {
                (self.run)();
            }
            ops += u64::from(batch);
        }
        self.rates.push(ops as f64 / start.elapsed().as_secs_f64());
    }

    /// The median operations per second over the rounds run.
    pub fn median(&self) -> f64 {
        let mut rates = self.rates.clone();
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    }
}

/// Runs every contender of every group for `rounds` rounds of `time` each, interleaved.
pub fn run_rounds(groups: &mut [&mut [Contender<'_>]], rounds: usize, time: Duration, batch: u32) {
    for _ in 0..rounds {
        for group in groups.iter_mut() {
            for contender in group.iter_mut() {
                contender.round(time, batch);
            }
        }
    }
}

/// Prints a group's medians under `title`, with `unit` as the column heading.
pub fn print_group(title: &str, unit: &str, group: &[Contender<'_>]) {
    println!("\n{title:<34} {unit:>12}");
    for contender in group {
        println!("{:<34} {:>12.0}", contender.name, contender.median());
    }
}
