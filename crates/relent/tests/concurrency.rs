//! The checked API called from many threads at once (scoped threads and several rayon pools
//! running side by side) gives bit-identical results to the single-threaded calls: no shared
//! state (such as the kernels' cached backend choice) makes a result depend on who else is
//! running. Bounded work: a fixed number of passes over a fixed set of cases.

mod common;

use std::sync::Barrier;

use common::{Func, funcs, refs, same};
use relent::{Element, Error};

/// A call of one function on one case.
struct Job<T> {
    func: Func<T>,
    args: Vec<Vec<T>>,
    t: f64,
}

impl<T: Element> Job<T> {
    fn run(&self) -> Result<f64, Error> {
        (self.func.call)(&refs(&self.args), self.t)
    }
}

/// Every function on every other generator case of length ≤ 129 (probabilities, logits and
/// Gaussians in the argument slots their domains want), plus some invalid ones.
fn jobs<T: Element>() -> Vec<Job<T>> {
    if cfg!(miri) {
        return small_jobs();
    }
    let probs = relent_testgen::cases::<T>(0xC0C0);
    let logits = relent_testgen::logit_cases::<T>(0xC0C1);
    let gauss = relent_testgen::gaussian_cases::<T>(0xC0C2);
    let mut out = Vec::new();
    for func in funcs::<T>() {
        let gaussian = func.args.len() == 4;
        let n = if gaussian { gauss.len() } else { probs.len() };
        for i in (0..n).step_by(2) {
            let args: Vec<Vec<T>> = if gaussian {
                let g = &gauss[i];
                if g.mu_p.len() > 129
                    || g.name.starts_with("logvar") != func.name.ends_with("logvar")
                {
                    continue;
                }
                vec![
                    g.mu_p.clone(),
                    g.var_p.clone(),
                    g.mu_q.clone(),
                    g.var_q.clone(),
                ]
            } else {
                let c = if func.args[0].1 == common::Dom::Log {
                    &logits[i % logits.len()]
                } else {
                    &probs[i]
                };
                if c.p.len() > 129 {
                    continue;
                }
                let mut a = vec![c.p.clone(), c.q.clone()];
                a.truncate(func.args.len());
                // Every eleventh case poisoned: errors must be identical too.
                if i % 11 == 5 && !c.p.is_empty() {
                    let k = c.p.len() / 2;
                    let last = a.len() - 1;
                    a[last][k] = T::from_f64(f64::NAN);
                }
                a
            };
            out.push(Job {
                func,
                args,
                t: [1.0, 0.3, 4.0][i % 3],
            });
        }
    }
    out
}

/// Under Miri (which checks the threads for data races), a few valid inputs per function.
fn small_jobs<T: Element>() -> Vec<Job<T>> {
    let mut out = Vec::new();
    for func in funcs::<T>() {
        for n in [1, 5, 17] {
            out.push(Job {
                func,
                args: common::valid_args(&func, n),
                t: 0.5,
            });
        }
    }
    out
}

fn check<T: Element>() {
    let jobs = jobs::<T>();
    let least = if cfg!(miri) { 60 } else { 1000 };
    assert!(jobs.len() > least, "{} jobs", jobs.len());
    let want: Vec<Result<f64, Error>> = jobs.iter().map(Job::run).collect();
    let verify = |who: &str, i: usize, got: Result<f64, Error>| {
        assert!(
            same(&got, &want[i]),
            "{who}: {} on job {i}: {got:?} != {:?} (single-threaded)",
            jobs[i].func.name,
            want[i]
        );
    };
    let threads = if cfg!(miri) { 2 } else { 6 };
    let barrier = Barrier::new(threads + 3);
    std::thread::scope(|s| {
        // Plain threads, each walking the jobs in its own order, starting together.
        for k in 0..threads {
            let (jobs, barrier, verify) = (&jobs, &barrier, &verify);
            s.spawn(move || {
                barrier.wait();
                for pass in 0..if cfg!(miri) { 1 } else { 2 } {
                    for j in 0..jobs.len() {
                        let i = (j * (2 * k + 1) + pass * 7919) % jobs.len();
                        verify("thread", i, jobs[i].run());
                    }
                }
            });
        }
        // Three rayon pools of different sizes, each driven from its own scoped thread.
        for size in [1, 2, 5] {
            let (jobs, barrier, verify) = (&jobs, &barrier, &verify);
            s.spawn(move || {
                use rayon::prelude::*;
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(size)
                    .build()
                    .unwrap();
                barrier.wait();
                pool.install(|| {
                    (0..jobs.len())
                        .into_par_iter()
                        .for_each(|i| verify("rayon", i, jobs[i].run()));
                });
            });
        }
    });
}

#[test]
fn concurrent_calls_are_bit_identical_f64() {
    check::<f64>();
}

#[test]
fn concurrent_calls_are_bit_identical_f32() {
    check::<f32>();
}
