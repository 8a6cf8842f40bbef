//! The index's directory: tantivy's memory-mapped directory, except that small reads of the
//! document store are copied out with `pread` instead of touching the map.
//!
//! Why: every search reads the stored fields of its hits, scattered over the store (60 % of the
//! index). Through the map, each read faults in the surrounding pages (fault-around: 64 kB per
//! block), and those file pages count in the process's resident set for as long as it
//! runs, so `serve`'s RSS grew towards the size of the store (≈ 330 MB of mapped pages at 100k
//! documents). A `pread` goes through the same page cache, shared and reclaimable by the kernel,
//! but leaves nothing mapped in the process: its RSS is then its own memory plus the postings
//! and columns it maps. Postings, positions, terms and fast fields stay mapped (read in place,
//! no copy); reads of a store larger than a block (a merge stacking whole stores) use the map
//! too, so they are not copied into the heap either.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback, WatchHandle, WritePtr,
};

/// Reads up to this size are copied with `pread`; larger ones are served from the map. A store
/// block is at most a few tens of kB compressed (4 kB of documents, or one larger document; 16 kB
/// in indexes created before the fifth session); its skip index is a few kB per segment.
const MAX_COPIED_READ: usize = 256 * 1024;

/// tantivy's [`MmapDirectory`] with the document store read by `pread` (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct IndexDirectory {
    mmap: MmapDirectory,
    root: PathBuf,
}

impl IndexDirectory {
    /// The directory over `root`, which must exist.
    pub(crate) fn open(root: &Path) -> Result<Self, tantivy::directory::error::OpenDirectoryError> {
        Ok(IndexDirectory { mmap: MmapDirectory::open(root)?, root: root.to_path_buf() })
    }
}

fn is_store(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "store")
}

impl Directory for IndexDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let mapped = self.mmap.get_file_handle(path)?;
        if !is_store(path) {
            return Ok(mapped);
        }
        let full = self.root.join(path);
        let file = File::open(&full).map_err(|err| OpenReadError::wrap_io_error(err, full.clone()))?;
        Ok(Arc::new(CopiedReads { file, mapped }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mmap.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mmap.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mmap.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mmap.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.mmap.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.mmap.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        // The memory-mapped directory locks with the file system (across processes).
        self.mmap.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mmap.watch(watch_callback)
    }
}

/// A file whose small reads are copied with `pread` and large ones served from its map.
#[derive(Debug)]
struct CopiedReads {
    file: File,
    mapped: Arc<dyn FileHandle>,
}

impl HasLen for CopiedReads {
    fn len(&self) -> usize {
        self.mapped.len()
    }
}

impl FileHandle for CopiedReads {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.len() > MAX_COPIED_READ {
            return self.mapped.read_bytes(range);
        }
        let mut buffer = vec![0u8; range.len()];
        std::os::unix::fs::FileExt::read_exact_at(&self.file, &mut buffer, range.start as u64)?;
        Ok(OwnedBytes::new(buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_reads_copy_the_same_bytes_the_map_holds_and_other_files_stay_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let content: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("seg.store"), &content).unwrap();
        std::fs::write(dir.path().join("seg.idx"), &content).unwrap();
        let directory = IndexDirectory::open(dir.path()).unwrap();
        let store = directory.get_file_handle(Path::new("seg.store")).unwrap();
        assert_eq!(store.len(), content.len());
        for range in [0..10, 1_000..17_384, 599_990..600_000, 10..MAX_COPIED_READ + 11, 0..600_000] {
            assert_eq!(store.read_bytes(range.clone()).unwrap().as_slice(), &content[range]);
        }
        assert!(format!("{store:?}").contains("CopiedReads"));
        let idx = directory.get_file_handle(Path::new("seg.idx")).unwrap();
        assert!(!format!("{idx:?}").contains("CopiedReads"));
        assert_eq!(idx.read_bytes(5..9).unwrap().as_slice(), &content[5..9]);
        assert!(matches!(
            directory.get_file_handle(Path::new("missing.store")),
            Err(OpenReadError::FileDoesNotExist(_))
        ));
    }
}
