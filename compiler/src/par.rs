//! Work shared across threads when the caller allows it.
//!
//! Renders of different nodes are independent, so the core may spread them
//! over `ProjectInput::threads` threads. The results come back in input order,
//! so the output never depends on how the work was split. In wasm (no threads
//! there) and with `threads <= 1` everything runs on the calling thread.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to each of `items`, in their order. `tick` is called on the
/// calling thread with the number of items finished so far, now and then.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: &(dyn Fn(&T) -> R + Sync),
    tick: &mut dyn FnMut(usize),
) -> Vec<R> {
    let threads = if cfg!(target_arch = "wasm32") {
        1
    } else {
        threads.clamp(1, items.len().max(1))
    };
    if threads == 1 {
        return items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                tick(i);
                f(x)
            })
            .collect();
    }
    let next = AtomicUsize::new(0);
    // Items are handed out one at a time: node renders vary a lot in cost.
    let work = |tick: &mut dyn FnMut(usize)| {
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= items.len() {
                break out;
            }
            tick(i);
            out.push((i, f(&items[i])));
        }
    };
    let mut parts = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| s.spawn(|| work(&mut |_| {})))
            .collect();
        let mut parts = vec![work(tick)];
        for h in helpers {
            match h.join() {
                Ok(p) => parts.push(p),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    });
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in parts.drain(..).flatten() {
        slots[i] = Some(r);
    }
    slots
        .into_iter()
        .map(|r| r.expect("every item is handed out once"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_input_order_whatever_the_threads() {
        let items: Vec<u64> = (0..1000).collect();
        let slow_square = |x: &u64| (0..(*x % 7) * 100).fold(x * x, |a, _| a.wrapping_add(0));
        let mut ticks = Vec::new();
        let one = map(&items, 1, &slow_square, &mut |i| ticks.push(i));
        assert_eq!(ticks, (0..1000).collect::<Vec<_>>());
        for threads in [2, 3, 8] {
            // The calling thread ticks for the items it takes itself, which
            // may be none of them when the others are quicker.
            let mut ticks = 0;
            let many = map(&items, threads, &slow_square, &mut |_| ticks += 1);
            assert_eq!(many, one, "{threads} threads");
            assert!(ticks <= items.len());
        }
        assert_eq!(one[999], 999 * 999);
        assert!(map(&[] as &[u64], 4, &slow_square, &mut |_| {}).is_empty());
    }
}
