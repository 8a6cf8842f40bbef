//! Compaction: merging the index's segments after a run of changes, so that a search visits few.
//!
//! Why: a search pays for every segment it visits (a term dictionary look-up per term and
//! field, a scorer, the facet columns), and an ingestion leaves one segment per flush of the
//! writer's memory (six at 100k documents). On the bench's 100k index, one segment instead of
//! six takes about 30 % off a search's CPU (BENCHMARKS.md, issue 10, eighth session).
//!
//! The writer merges nothing in the background (its merge policy is tantivy's
//! `NoMergePolicy`): [`SearchIndex::compact`] runs after a commit, in the caller's thread, so
//! that a command that ingests has finished merging when it returns and a merge never runs
//! beside the next batch. Which segments to merge is [`next_merge`]'s rule:
//!
//! - the smallest segments first, as many as fit in [`MAX_MERGE_BYTES`] of index files: a merge
//!   reads every input through the memory map, whose pages count in the process's resident set
//!   until the merge ends, so the bound keeps a large library's ingest under its memory target
//!   (a library larger than the bound ends up with several segments of about that size);
//! - and only when it is worth it: at least [`MIN_GAIN`] of the merged slots must be documents
//!   outside the largest input, or deleted documents to drop. One changed file in a large
//!   library therefore does not rewrite the whole index; small segments merge among themselves
//!   until they are a tenth of a larger one, so the count of segments grows with the logarithm
//!   of the library's size and each document is rewritten a few times at most.

use std::time::{Duration, Instant};

use tantivy::index::SegmentMeta;

use crate::store::SearchIndex;

/// The largest total size, in bytes of index files, that one merge reads (see the module docs).
/// The 100k-document bench library's index (516 MB) fits in one segment.
pub const MAX_MERGE_BYTES: u64 = 640 * 1024 * 1024;

/// The share of a merge's document slots that must lie outside its largest input (documents to
/// move) or be deleted (slots to reclaim) for the merge to be worth rewriting that input.
pub const MIN_GAIN: f64 = 0.10;

/// What a compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compaction {
    /// Segments searched before it.
    pub segments_before: usize,
    /// Segments searched after it.
    pub segments_after: usize,
    /// Merges run (each one makes one segment of several, or drops a segment's deleted slots).
    pub merges: usize,
    /// Wall time.
    pub duration: Duration,
}

/// The facts about a segment that the merge rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentSize {
    /// Bytes of its files.
    pub bytes: u64,
    /// Documents not deleted.
    pub alive: u32,
    /// Document slots, deleted ones included.
    pub slots: u32,
}

/// The segments (indexes into `segments`) that the next merge should take, or none if no merge
/// is worth running. See the module docs for the rule.
pub(crate) fn next_merge(segments: &[SegmentSize], max_bytes: u64) -> Option<Vec<usize>> {
    let mut smallest_first: Vec<usize> = (0..segments.len()).filter(|&i| segments[i].bytes <= max_bytes).collect();
    smallest_first.sort_by_key(|&i| (segments[i].bytes, i));
    let mut fitting = 0;
    let mut total = 0;
    for &i in &smallest_first {
        if total + segments[i].bytes > max_bytes {
            break;
        }
        total += segments[i].bytes;
        fitting += 1;
    }
    // The largest worthwhile group: fewer, larger merges leave fewer segments. Failing that,
    // a segment whose deleted slots are worth reclaiming, whatever its rank.
    (2..=fitting)
        .rev()
        .map(|n| &smallest_first[..n])
        .find(|group| worth_merging(segments, group))
        .map(<[usize]>::to_vec)
        .or_else(|| smallest_first.iter().find(|&&i| worth_merging(segments, &[i])).map(|&i| vec![i]))
}

fn worth_merging(segments: &[SegmentSize], group: &[usize]) -> bool {
    let slots: u64 = group.iter().map(|&i| u64::from(segments[i].slots)).sum();
    let alive: u64 = group.iter().map(|&i| u64::from(segments[i].alive)).sum();
    let largest = group.iter().map(|&i| u64::from(segments[i].alive)).max().unwrap_or(0);
    let deleted = slots - alive;
    // A single segment can only gain its deleted slots; in a group, the largest input's
    // documents stay where they are in effect, every other one moves.
    let gain = if group.len() == 1 { deleted } else { alive - largest + deleted };
    slots > 0 && gain as f64 >= MIN_GAIN * slots as f64
}

impl SearchIndex {
    /// Merges segments by the rule of the module docs until no merge is worth running, then
    /// makes the result visible to searches. Opens the writer only if there is something to
    /// merge, and then waits for the batch in progress, if any; searches go on meanwhile on
    /// the segments they started with. A merge either completes or leaves
    /// the index as it was (a crash in the middle leaves unreferenced files, removed at the next
    /// compaction).
    pub fn compact(&self) -> crate::Result<Compaction> {
        let started = Instant::now();
        let segments_before = self.index.searchable_segment_metas()?.len();
        let mut merges = 0;
        // The writer (and its lock) only when there is something to merge: an index that needs
        // nothing is left alone, even while another process writes it.
        let mut writer = None;
        // Each merge leaves one segment fewer or one with no deleted slots, so the loop ends;
        // the bound is a guard against a rule that would keep choosing the same merge.
        for _ in 0..segments_before.max(1) * 2 {
            let metas = self.index.searchable_segment_metas()?;
            let sizes: Vec<_> = metas.iter().map(|meta| self.segment_size(meta)).collect();
            let Some(group) = next_merge(&sizes, MAX_MERGE_BYTES) else { break };
            let ids: Vec<_> = group.iter().map(|&i| metas[i].id()).collect();
            let guard = match &mut writer {
                Some(guard) => guard,
                None => writer.insert(self.open_writer()?),
            };
            guard.as_mut().expect("open_writer leaves a writer in place").merge(&ids).wait()?;
            merges += 1;
        }
        if let Some(mut guard) = writer {
            self.reload()?;
            // The inputs' files: searches that still hold them keep them open (unlinked files
            // stay readable); new searches use the merged segment.
            guard.as_mut().expect("open_writer leaves a writer in place").garbage_collect_files().wait()?;
        }
        Ok(Compaction {
            segments_before,
            segments_after: self.index.searchable_segment_metas()?.len(),
            merges,
            duration: started.elapsed(),
        })
    }

    fn segment_size(&self, meta: &SegmentMeta) -> SegmentSize {
        use tantivy::HasLen as _;
        use tantivy::directory::Directory as _;
        use tantivy::index::SegmentComponent as Part;
        let mut bytes = 0;
        for part in [Part::Postings, Part::Positions, Part::Terms, Part::Store, Part::FastFields, Part::FieldNorms] {
            // A segment may lack a part it has nothing for.
            if let Ok(file) = self.index.directory().open_read(&meta.relative_path(part)) {
                bytes += file.len() as u64;
            }
        }
        SegmentSize { bytes, alive: meta.num_docs(), slots: meta.max_doc() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn segment(bytes: u64, alive: u32, slots: u32) -> SegmentSize {
        SegmentSize { bytes, alive, slots }
    }

    #[test]
    fn a_fresh_ingest_becomes_one_segment() {
        // The bench's 100k ingest: six flushes of the writer, no deletes.
        let flushes: Vec<_> = [86, 86, 86, 63, 78, 86].iter().map(|&mb| segment(mb << 20, 17_000, 17_000)).collect();
        assert_eq!(next_merge(&flushes, MAX_MERGE_BYTES).map(|g| g.len()), Some(6));
    }

    #[test]
    fn one_changed_file_does_not_rewrite_a_large_segment() {
        let segments = [segment(500 << 20, 99_999, 100_000), segment(40_000, 1, 1)];
        assert_eq!(next_merge(&segments, MAX_MERGE_BYTES), None);
    }

    #[test]
    fn small_segments_merge_among_themselves_first() {
        let segments =
            [segment(500 << 20, 99_990, 100_000), segment(40_000, 4, 4), segment(50_000, 5, 5), segment(30_000, 3, 3)];
        let mut group = next_merge(&segments, MAX_MERGE_BYTES).unwrap();
        group.sort();
        assert_eq!(group, vec![1, 2, 3]);
    }

    #[test]
    fn changes_worth_a_tenth_of_the_index_rewrite_it() {
        let segments = [segment(450 << 20, 90_000, 100_000), segment(50 << 20, 10_000, 10_000)];
        assert_eq!(next_merge(&segments, MAX_MERGE_BYTES).map(|g| g.len()), Some(2));
    }

    #[test]
    fn a_segment_with_many_deletes_is_rewritten_alone() {
        let segments = [segment(500 << 20, 80_000, 100_000)];
        assert_eq!(next_merge(&segments, MAX_MERGE_BYTES), Some(vec![0]));
        let few_deletes = [segment(500 << 20, 95_000, 100_000)];
        assert_eq!(next_merge(&few_deletes, MAX_MERGE_BYTES), None);
        // Not among the smallest that fit together, still worth rewriting for its deletes.
        let beside_another = [segment(400 << 20, 80_000, 80_000), segment(500 << 20, 50_000, 100_000)];
        assert_eq!(next_merge(&beside_another, MAX_MERGE_BYTES), Some(vec![1]));
    }

    #[test]
    fn a_library_larger_than_the_bound_keeps_segments_of_about_the_bound() {
        // Forty flushes of 90 MB: merges of seven at a time, never more than the bound.
        let mut segments = vec![segment(90 << 20, 17_000, 17_000); 40];
        while let Some(group) = next_merge(&segments, MAX_MERGE_BYTES) {
            let merged = group.iter().fold(segment(0, 0, 0), |acc, &i| {
                segment(acc.bytes + segments[i].bytes, acc.alive + segments[i].alive, acc.alive + segments[i].alive)
            });
            assert!(merged.bytes <= MAX_MERGE_BYTES);
            let mut group = group;
            group.sort_unstable_by(|a, b| b.cmp(a));
            for i in group {
                segments.remove(i);
            }
            segments.push(merged);
        }
        assert_eq!(segments.len(), 6, "{segments:?}");
        assert_eq!(segments.iter().map(|s| u64::from(s.alive)).sum::<u64>(), 40 * 17_000);
    }

    mod on_an_index {
        use crate::search::SearchRequest;
        use crate::writer::IndexDocument;
        use crate::{SearchIndex, SearchResults};

        fn document(n: usize) -> IndexDocument {
            let topics = ["evidence", "reimbursement/schemes", "app-quality"];
            IndexDocument {
                id: format!("{n}.html"),
                title: format!("report {n} on telemonitoring"),
                body: format!("telemonitoring of heart failure {} in region {n}", "and follow-up ".repeat(n % 7)),
                lang: "en".to_owned(),
                kind: "html".to_owned(),
                topics: vec![topics[n % 3].to_owned()],
                countries: vec![["PT", "FR"][n % 2].to_owned()],
                content_hash: format!("hash-{n}"),
                fingerprint: format!("fp-{n}"),
                ..IndexDocument::default()
            }
        }

        fn search(index: &SearchIndex, query: &str) -> SearchResults {
            let request = SearchRequest { query: query.to_owned(), per_page: 50, ..SearchRequest::default() };
            index.search(&request).unwrap()
        }

        /// Hits as (id, score) sorted by id, with the totals and facet counts.
        fn outcome(results: &SearchResults) -> (u64, Vec<(String, f32)>, String) {
            let mut hits: Vec<_> = results.hits.iter().map(|h| (h.id.clone(), h.score)).collect();
            hits.sort_by(|a, b| a.0.cmp(&b.0));
            (results.total, hits, format!("{:?}", results.facets))
        }

        #[test]
        fn merged_segments_answer_as_the_separate_ones_did() {
            let index = SearchIndex::create_in_ram(1).unwrap();
            for part in 0..3 {
                let mut batch = index.batch().unwrap();
                for n in part * 10..part * 10 + 10 {
                    batch.insert(&document(n)).unwrap();
                }
                batch.commit().unwrap();
            }
            assert_eq!(index.searcher().segment_readers().len(), 3);
            let queries = ["telemonitoring", "heart failure", "\"follow-up\"", "region 17"];
            let before: Vec<_> = queries.iter().map(|q| outcome(&search(&index, q))).collect();

            let compaction = index.compact().unwrap();
            assert_eq!((compaction.segments_before, compaction.segments_after, compaction.merges), (3, 1, 1));
            assert_eq!(index.searcher().segment_readers().len(), 1, "searches see the merged segment");
            for (query, before) in queries.iter().zip(&before) {
                let after = outcome(&search(&index, query));
                assert_eq!(after.0, before.0, "{query}");
                assert_eq!(after.2, before.2, "{query}");
                assert_eq!(after.1.len(), before.1.len(), "{query}");
                for ((id, score), (id_before, score_before)) in after.1.iter().zip(&before.1) {
                    assert_eq!(id, id_before);
                    assert!((score - score_before).abs() < 1e-5, "{query}: {id} {score} vs {score_before}");
                }
            }
            let again = index.compact().unwrap();
            assert_eq!((again.segments_after, again.merges), (1, 0), "nothing left worth merging");
        }

        #[test]
        fn deleted_documents_are_dropped_and_stay_deleted() {
            let index = SearchIndex::create_in_ram(1).unwrap();
            let mut batch = index.batch().unwrap();
            for n in 0..20 {
                batch.insert(&document(n)).unwrap();
            }
            batch.commit().unwrap();
            let mut batch = index.batch().unwrap();
            for n in 0..5 {
                batch.delete(&format!("{n}.html"));
            }
            batch.commit().unwrap();
            let searcher = index.searcher();
            assert_eq!(searcher.segment_readers()[0].num_deleted_docs(), 5);

            let compaction = index.compact().unwrap();
            assert_eq!((compaction.segments_after, compaction.merges), (1, 1));
            let searcher = index.searcher();
            let segment = &searcher.segment_readers()[0];
            assert_eq!((segment.num_docs(), segment.num_deleted_docs()), (15, 0));
            let results = search(&index, "telemonitoring");
            assert_eq!(results.total, 15);
            let deleted: Vec<String> = (0..5).map(|n| format!("{n}.html")).collect();
            assert_eq!(results.hits.len(), 15);
            assert!(results.hits.iter().all(|h| !deleted.contains(&h.id)), "{:?}", results.hits);
            // The index is still writable after the merge.
            let mut batch = index.batch().unwrap();
            batch.insert(&document(99)).unwrap();
            batch.commit().unwrap();
            assert_eq!(search(&index, "telemonitoring").total, 16);
        }
    }

    proptest! {
        #[test]
        fn a_chosen_merge_fits_the_bound_and_is_worth_it(
            raw in prop::collection::vec((1u64..800 << 20, 0u32..50_000, 0u32..5_000), 0..30),
        ) {
            let segments: Vec<_> = raw.iter().map(|&(bytes, alive, deleted)| segment(bytes, alive, alive + deleted)).collect();
            if let Some(group) = next_merge(&segments, MAX_MERGE_BYTES) {
                prop_assert!(!group.is_empty());
                let mut distinct = group.clone();
                distinct.sort();
                distinct.dedup();
                prop_assert_eq!(distinct.len(), group.len());
                prop_assert!(group.iter().map(|&i| segments[i].bytes).sum::<u64>() <= MAX_MERGE_BYTES);
                prop_assert!(worth_merging(&segments, &group));
            } else {
                // Nothing chosen: no segment that fits has a tenth of its slots deleted.
                for (i, a) in segments.iter().enumerate() {
                    if a.bytes <= MAX_MERGE_BYTES {
                        prop_assert!(!worth_merging(&segments, &[i]));
                    }
                }
            }
        }
    }
}
