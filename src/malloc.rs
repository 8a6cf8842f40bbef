//! The C allocator's settings for this process: fewer malloc arenas, free memory handed back.

/// Caps glibc's malloc arenas at one per core (at least two), unless `MALLOC_ARENA_MAX` is set.
///
/// Why: glibc gives each thread that allocates concurrently an arena of its own, up to eight per
/// core, and a search thread's transient buffers (term expansions, decompressed store blocks,
/// snippets) leave each arena holding freed memory it rarely returns. Under 64 connections on 2
/// cores that was ~60 MB of `serve`'s ~75 MB of anonymous memory at 10k documents; with two
/// arenas it was 49 MB in all, for the same CPU per search (BENCHMARKS.md, issue 10).
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes allocator parameters; it is called before any thread
        // that could allocate concurrently exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Hands the heap's free memory back to the system (glibc's `malloc_trim`).
///
/// Why: an ingestion job (the start-up sync above all: the state of every indexed document,
/// the scan of the library) frees tens of megabytes in small blocks that glibc keeps for later;
/// in a long-running `serve` they would count in its resident set for good.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the heap to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
