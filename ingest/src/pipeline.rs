//! A bounded pool of worker threads that turns source files into documents in parallel; one
//! file's failure or panic is reported and never stops the others.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;

use crate::document::Document;
use crate::processor::{DocumentProcessor, content_hash};
use crate::walk::SourceFile;

/// One file to process, with the content hash the index already holds for it (if any), so that
/// a file whose bytes did not change is not extracted again.
#[derive(Debug, Clone)]
pub struct IngestTask {
    /// The file.
    pub file: SourceFile,
    /// Hash of the indexed version, if the file is already indexed.
    pub known_hash: Option<String>,
}

/// What became of one file.
#[derive(Debug)]
pub enum Outcome {
    /// The file was extracted into a document.
    Document {
        /// The file.
        file: SourceFile,
        /// The document.
        document: Box<Document>,
        /// Time spent extracting and classifying it (after reading the file).
        elapsed: Duration,
    },
    /// The file's content hash equals the indexed one: nothing to do but remember the new
    /// fingerprint.
    Unchanged {
        /// The file.
        file: SourceFile,
    },
    /// The file could not be made into a document.
    Failed {
        /// The file.
        file: SourceFile,
        /// Why, in words an admin can act on.
        reason: String,
    },
}

/// Runs a [`DocumentProcessor`] over many files with a fixed number of worker threads and
/// bounded queues, so memory stays flat whatever the library size.
pub struct IngestPipeline<'a> {
    processor: &'a DocumentProcessor,
    workers: usize,
}

impl<'a> IngestPipeline<'a> {
    /// A pipeline with `workers` threads (at least one).
    pub fn new(processor: &'a DocumentProcessor, workers: usize) -> Self {
        IngestPipeline { processor, workers: workers.max(1) }
    }

    /// Processes every task and hands each outcome to `sink` on the calling thread, in
    /// completion order.
    pub fn run<I>(&self, tasks: I, mut sink: impl FnMut(Outcome))
    where
        I: IntoIterator<Item = IngestTask>,
        I::IntoIter: Send,
    {
        let (task_tx, task_rx) = bounded::<IngestTask>(self.workers * 2);
        let (outcome_tx, outcome_rx) = bounded::<Outcome>(self.workers * 4);
        std::thread::scope(|scope| {
            let tasks = tasks.into_iter();
            scope.spawn(move || {
                for task in tasks {
                    if task_tx.send(task).is_err() {
                        break;
                    }
                }
            });
            for _ in 0..self.workers {
                let task_rx = task_rx.clone();
                let outcome_tx = outcome_tx.clone();
                scope.spawn(move || {
                    for task in task_rx {
                        if outcome_tx.send(self.process(task)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(outcome_tx);
            for outcome in outcome_rx {
                sink(outcome);
            }
        });
    }

    fn process(&self, task: IngestTask) -> Outcome {
        let IngestTask { file, known_hash } = task;
        let bytes = match std::fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(err) => return Outcome::Failed { reason: format!("cannot read file: {err}"), file },
        };
        if known_hash.as_deref() == Some(content_hash(&bytes).as_str()) {
            return Outcome::Unchanged { file };
        }
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            self.processor.process_bytes(file.id.clone(), file.kind, &file.path, &bytes)
        }));
        match result {
            Ok(Ok(document)) => Outcome::Document { file, document: Box::new(document), elapsed: started.elapsed() },
            Ok(Err(err)) => Outcome::Failed { reason: err.to_string(), file },
            Err(payload) => {
                Outcome::Failed { reason: format!("extractor panicked: {}", panic_message(&payload)), file }
            }
        }
    }
}

/// The message of a caught panic's payload (`panic!` with a literal or a formatted string).
pub fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processor::ProcessorSettings;
    use crate::walk::LibraryWalker;

    #[test]
    fn broken_files_fail_alone_and_unchanged_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.pdf"), b"%PDF-1.4 this is not really a pdf").unwrap();
        for i in 0..20 {
            std::fs::write(dir.path().join(format!("note-{i:02}.txt")), format!("Note number {i} about telehealth."))
                .unwrap();
        }
        let scan = LibraryWalker::new(dir.path()).scan().unwrap();
        let processor = DocumentProcessor::new(ProcessorSettings::default()).unwrap();
        let pipeline = IngestPipeline::new(&processor, 3);
        let unchanged_hash = content_hash(b"Note number 0 about telehealth.");
        let tasks = scan.files.into_iter().map(|file| {
            let known_hash = (file.id.as_str() == "note-00.txt").then(|| unchanged_hash.clone());
            IngestTask { file, known_hash }
        });
        let (mut documents, mut unchanged, mut failed) = (0, Vec::new(), Vec::new());
        pipeline.run(tasks.collect::<Vec<_>>(), |outcome| match outcome {
            Outcome::Document { .. } => documents += 1,
            Outcome::Unchanged { file } => unchanged.push(file.id.to_string()),
            Outcome::Failed { file, reason } => failed.push((file.id.to_string(), reason)),
        });
        assert_eq!(documents, 19);
        assert_eq!(unchanged, ["note-00.txt"]);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].0, "broken.pdf");
        assert!(failed[0].1.contains("pdf"), "{}", failed[0].1);
    }
}
