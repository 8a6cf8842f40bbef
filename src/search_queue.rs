//! The queue of searches: run in arrival order by one executor task per core, on the async
//! runtime itself.
//!
//! A search costs 0.3–1.6 ms of CPU. Handing each one to a blocking thread and back cost about
//! five context switches and up to half a search's own CPU; running it directly in the handler
//! saves that, but then the order in which searches run is the runtime's, which favours the task
//! woken last and takes new requests in batches between polls of the sockets, so some requests
//! wait two batches (at 64 connections p99 was 1.7–2.0 times p50). Here the handlers only queue
//! their search; executors take them first come, first served, and yield after each one so that
//! the runtime reads the requests that arrived meanwhile before the next search starts
//! (p99 1.3–1.6 times p50, BENCHMARKS.md, issue 10, ninth session). The queue needs no bound of
//! its own: the requests in flight are bounded by the request guard.
//!
//! The queue is a deque under a plain mutex, held only to push or pop, and an executor waits
//! only when it finds the deque empty: under load the executors go from one search to the next
//! without a wake-up. (The first version, a channel whose receiver the executors took turns at
//! through an async mutex, woke the other executor for every search; this one serves 13 % more
//! searches a second at 100k, tenth session.)

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{Notify, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// A queued search that ended without an answer.
#[derive(Debug)]
pub struct SearchPanicked;

impl std::fmt::Display for SearchPanicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the search panicked")
    }
}

/// Searches waiting for an executor, first come, first served.
pub struct SearchQueue {
    executors: usize,
    shared: Arc<Shared>,
    // Executors start with the first search, on the runtime that serves it (the state may be
    // built before any runtime runs).
    started: OnceLock<()>,
}

/// What the requesters and the executors share.
#[derive(Default)]
struct Shared {
    /// The searches not yet taken, oldest first. A plain mutex: it is held only to push or pop.
    jobs: Mutex<VecDeque<Job>>,
    /// Wakes an idle executor when a search is queued.
    queued: Notify,
    /// Executor tasks still alive (they end with the runtime that runs them).
    alive: AtomicUsize,
}

/// Counts an executor task as alive until it is dropped, by its runtime if not before.
struct Alive(Arc<Shared>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SearchQueue {
    /// A queue served by `executors` tasks (one per async worker); at least one.
    pub fn new(executors: usize) -> Self {
        SearchQueue { executors: executors.max(1), shared: Arc::default(), started: OnceLock::new() }
    }

    /// Runs `search` once its turn comes and returns what it returned. Must be called on a
    /// Tokio runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        search: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, SearchPanicked> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            // A requester that has gone while it waited (its connection closed, its time ran
            // out) needs no search: under overload this sheds the work nobody will read.
            if !answer.is_closed() {
                let _ = answer.send(search());
            }
        });
        self.started.get_or_init(|| self.start());
        if self.shared.alive.load(Ordering::SeqCst) == 0 {
            // The executors have ended with the runtime that started them: run it here.
            job();
        } else {
            self.shared.jobs.lock().unwrap_or_else(|e| e.into_inner()).push_back(job);
            self.shared.queued.notify_one();
        }
        // Only a search that panicked drops its answer (this requester is still here).
        answered.await.map_err(|_| SearchPanicked)
    }

    fn start(&self) {
        for _ in 0..self.executors {
            self.shared.alive.fetch_add(1, Ordering::SeqCst);
            let alive = Alive(Arc::clone(&self.shared));
            tokio::spawn(async move {
                let shared = &alive.0;
                loop {
                    // Registered before the queue is looked at, so that a search queued in
                    // between still wakes this executor.
                    let queued = shared.queued.notified();
                    tokio::pin!(queued);
                    queued.as_mut().enable();
                    let next = shared.jobs.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some(job) = next else {
                        queued.await;
                        continue;
                    };
                    // A panicking search must not end the executor: its requester learns of it
                    // through the dropped answer (the panic hook has logged it).
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    tokio::task::yield_now().await;
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::Mutex as StdMutex;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn searches_run_in_the_order_they_were_queued() {
        let queue = SearchQueue::new(1);
        let order = Arc::new(StdMutex::new(Vec::new()));
        // The first search holds the only executor until every other one is queued.
        let (release, released) = std::sync::mpsc::channel::<()>();
        let first_order = Arc::clone(&order);
        type Search<'q> = std::pin::Pin<Box<dyn Future<Output = Result<(), SearchPanicked>> + Send + 'q>>;
        let mut searches: Vec<Search> = vec![Box::pin(queue.run(move || {
            released.recv().unwrap();
            first_order.lock().unwrap().push(0);
        }))];
        for n in 1..=20 {
            let order = Arc::clone(&order);
            searches.push(Box::pin(queue.run(move || order.lock().unwrap().push(n))));
        }
        // Polling a search once queues it, so they are queued in this order whatever the timing.
        for search in &mut searches {
            let polled = std::future::poll_fn(|cx| std::task::Poll::Ready(search.as_mut().poll(cx))).await;
            assert!(polled.is_pending(), "a search answered before the first was released");
        }
        release.send(()).unwrap();
        for search in searches {
            search.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..=20).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_requester_gets_its_own_answer() {
        let queue = Arc::new(SearchQueue::new(2));
        let tasks: Vec<_> = (0..200u32)
            .map(|n| {
                let queue = Arc::clone(&queue);
                tokio::spawn(async move { (n, queue.run(move || n * 10).await.unwrap()) })
            })
            .collect();
        for task in tasks {
            let (n, answer) = task.await.unwrap();
            assert_eq!(answer, n * 10);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_queued_while_the_executors_wait_wakes_one() {
        let queue = SearchQueue::new(2);
        for n in 0..50u32 {
            // By now the executors have emptied the queue and wait for the next search.
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            let answer = tokio::time::timeout(std::time::Duration::from_secs(10), queue.run(move || n)).await;
            assert_eq!(answer.expect("an idle executor took the search").unwrap(), n);
        }
    }

    #[test]
    fn a_queue_outliving_its_runtime_runs_searches_in_place() {
        let queue = SearchQueue::new(1);
        let first = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        assert_eq!(first.block_on(queue.run(|| 1)).unwrap(), 1);
        drop(first);
        let second = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        assert_eq!(second.block_on(queue.run(|| 2)).unwrap(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_requester_that_has_gone_costs_no_search() {
        let queue = SearchQueue::new(1);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let mut first = Box::pin(queue.run(move || released.recv().unwrap()));
        assert!(std::future::poll_fn(|cx| std::task::Poll::Ready(first.as_mut().poll(cx))).await.is_pending());
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut gone = {
            let ran = Arc::clone(&ran);
            Box::pin(queue.run(move || ran.store(true, std::sync::atomic::Ordering::SeqCst)))
        };
        assert!(std::future::poll_fn(|cx| std::task::Poll::Ready(gone.as_mut().poll(cx))).await.is_pending());
        drop(gone);
        release.send(()).unwrap();
        first.await.unwrap();
        // The executor has taken the dropped search by the time the next one answers.
        assert_eq!(queue.run(|| 3).await.unwrap(), 3);
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_panicking_search_is_an_error_and_the_executor_goes_on() {
        let queue = SearchQueue::new(1);
        assert!(queue.run(|| -> u32 { panic!("a search that panics") }).await.is_err());
        assert_eq!(queue.run(|| 7).await.unwrap(), 7);
    }
}
