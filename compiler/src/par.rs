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

/// [`map`] over items that `f` changes: each is lent to one call of `f`.
pub fn map_mut<T: Send, R: Send>(
    items: &mut [T],
    threads: usize,
    f: &(dyn Fn(&mut T) -> R + Sync),
    tick: &mut dyn FnMut(usize),
) -> Vec<R> {
    let slots: Vec<std::sync::Mutex<&mut T>> =
        items.iter_mut().map(std::sync::Mutex::new).collect();
    map(
        &slots,
        threads,
        &|slot| f(&mut slot.lock().unwrap_or_else(|e| e.into_inner())),
        tick,
    )
}

/// `f` applied to each of `items` on `threads` helper threads, each result
/// handed to `sink` on the calling thread, in the items' order, as soon as
/// it and those before it are done: the caller can write while the helpers
/// work ahead, at most `ahead` items beyond what `sink` has taken. The first
/// error from `sink` stops the work and is returned. In wasm and with
/// `threads <= 1` everything runs on the calling thread.
pub fn for_each_in_order<T: Sync, R: Send, E>(
    items: &[T],
    threads: usize,
    ahead: usize,
    f: &(dyn Fn(&T) -> R + Sync),
    sink: &mut dyn FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    use std::collections::BTreeMap;
    use std::sync::{Condvar, Mutex, MutexGuard};
    if cfg!(target_arch = "wasm32") || threads <= 1 || items.len() <= 1 {
        return items.iter().try_for_each(|x| sink(f(x)));
    }
    struct Queue<R> {
        /// The next item to hand out.
        next: usize,
        /// How many results `sink` has taken.
        taken: usize,
        done: BTreeMap<usize, std::thread::Result<R>>,
        stop: bool,
    }
    let queue = Mutex::new(Queue {
        next: 0,
        taken: 0,
        done: BTreeMap::new(),
        stop: false,
    });
    let changed = Condvar::new();
    let lock = || queue.lock().unwrap_or_else(|e| e.into_inner());
    fn wait<'a, Q>(changed: &Condvar, q: MutexGuard<'a, Q>) -> MutexGuard<'a, Q> {
        changed.wait(q).unwrap_or_else(|e| e.into_inner())
    }
    let work = || loop {
        let i = {
            let mut q = lock();
            while !q.stop && q.next < items.len() && q.next >= q.taken + ahead.max(1) {
                q = wait(&changed, q);
            }
            if q.stop || q.next >= items.len() {
                return;
            }
            q.next += 1;
            q.next - 1
        };
        // A panic is handed to the caller in the item's place.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&items[i])));
        lock().done.insert(i, r);
        changed.notify_all();
    };
    std::thread::scope(|s| {
        for _ in 0..threads.min(items.len()) {
            s.spawn(work);
        }
        let mut result = Ok(());
        for i in 0..items.len() {
            let r = {
                let mut q = lock();
                loop {
                    if let Some(r) = q.done.remove(&i) {
                        break r;
                    }
                    q = wait(&changed, q);
                }
            };
            let r = match r {
                Ok(r) => r,
                Err(panic) => {
                    lock().stop = true;
                    changed.notify_all();
                    std::panic::resume_unwind(panic)
                }
            };
            let sunk = sink(r);
            let mut q = lock();
            q.taken = i + 1;
            if sunk.is_err() {
                q.stop = true;
            }
            drop(q);
            changed.notify_all();
            if let Err(e) = sunk {
                result = Err(e);
                break;
            }
        }
        result
    })
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

    #[test]
    fn items_lent_to_the_work_come_back_changed_in_order() {
        for threads in [1, 2, 5] {
            let mut items: Vec<u64> = (0..300).collect();
            let was = map_mut(
                &mut items,
                threads,
                &|x: &mut u64| std::mem::replace(x, *x * 2),
                &mut |_| {},
            );
            assert_eq!(was, (0..300).collect::<Vec<_>>(), "{threads}");
            assert_eq!(
                items,
                (0..300).map(|x| x * 2).collect::<Vec<_>>(),
                "{threads}"
            );
        }
    }

    #[test]
    fn results_reach_the_sink_in_order_and_an_error_stops_them() {
        let items: Vec<u64> = (0..500).collect();
        let slow_square = |x: &u64| (0..(*x % 7) * 100).fold(x * x, |a, _| a.wrapping_add(0));
        for threads in [1, 2, 5] {
            let mut seen = Vec::new();
            let r: Result<(), ()> = for_each_in_order(&items, threads, 3, &slow_square, &mut |v| {
                seen.push(v);
                Ok(())
            });
            assert!(r.is_ok());
            assert_eq!(
                seen,
                items.iter().map(|x| x * x).collect::<Vec<_>>(),
                "{threads}"
            );
            let mut taken = 0;
            let r = for_each_in_order(&items, threads, 3, &slow_square, &mut |v| {
                taken += 1;
                if v == 100 * 100 {
                    Err(v)
                } else {
                    Ok(())
                }
            });
            assert_eq!(r, Err(10_000), "{threads}");
            assert_eq!(taken, 101, "{threads}");
        }
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let items: Vec<u64> = (0..50).collect();
        let r = std::panic::catch_unwind(|| {
            let _ = for_each_in_order(
                &items,
                2,
                4,
                &|x: &u64| if *x == 20 { panic!("twenty") } else { *x },
                &mut |_| Ok::<(), ()>(()),
            );
        });
        assert!(r.is_err());
    }
}
