//! Saving without ever leaving a half-written file: write a temporary file next to the target,
//! flush it to disk, then rename it over the target.
//!
//! The temporary file has a unique name (`.NAME.PID.RANDOM.tmp`, from `tempfile`), so two saves of
//! one target at once, in one process or two, never share it. A save over an existing file keeps
//! that file's permissions (and, where the system lets us, its owner), and a save to a symbolic
//! link writes the file the link points to, leaving the link in place. Temporary files that a
//! killed save left behind for this target are removed by the next save.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How many links are followed before a chain of symbolic links counts as a loop.
const MAX_LINKS: usize = 40;

/// Where no process table can be read, a temporary file untouched for this long counts as left
/// behind by a killed save.
const STALE_AGE: Duration = Duration::from_secs(3600);

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader sees either the old file or the whole new one. On error the temporary file is removed
/// and an existing target is left untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    prepare(path, |out| out.write_all(bytes))?.commit()
}

/// A whole new file written next to its target and flushed to disk, not yet in place: [`commit`]
/// renames it over the target; dropping it instead removes it and leaves the target as it was.
///
/// [`commit`]: PendingWrite::commit
#[derive(Debug)]
pub struct PendingWrite {
    file: tempfile::NamedTempFile,
    target: PathBuf,
}

impl PendingWrite {
    /// Puts the new file in place of the target.
    pub fn commit(self) -> io::Result<()> {
        // On error `persist` hands the temporary file back; dropping it removes it.
        self.file.persist(&self.target).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Writes the new content of `path` with `write` into a temporary file beside the target (beside
/// the file a symbolic link points to), with the target's permissions, flushed to disk. Several
/// files can be prepared and then committed together, so that an error in any of them leaves
/// none of them written.
pub fn prepare(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<PendingWrite> {
    let target = resolve_links(path)?;
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?
        .to_string_lossy()
        .into_owned();
    remove_stale_temporaries(&dir, &name);
    let previous = fs::metadata(&target).ok().filter(fs::Metadata::is_file);
    let prefix = format!(".{name}.{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A new file gets the mode any new file gets (0666 less the umask), not tempfile's private
    // 0600; a replaced file's mode is copied below.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut file = builder.tempfile_in(&dir)?;
    {
        let mut out = io::BufWriter::new(file.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    if let Some(previous) = &previous {
        keep_owner_and_mode(file.as_file(), previous)?;
    }
    file.as_file().sync_all()?;
    Ok(PendingWrite { file, target })
}

/// The file a path finally names: the path itself unless it is a symbolic link, else the end of
/// the chain of links (which need not exist yet).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}: too many levels of symbolic links", path.display()),
    ))
}

/// Gives the new file the old one's permissions, and its owner where allowed (only the
/// superuser may give a file away, so a failure to change the owner is not an error).
fn keep_owner_and_mode(file: &fs::File, previous: &fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::fchown(file, Some(previous.uid()), Some(previous.gid()));
    }
    file.set_permissions(previous.permissions())
}

/// Removes this target's temporary files that no running save owns: those of a process that no
/// longer runs, or, where that cannot be told, those untouched for an hour.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(middle) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = middle.split('.').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let stale = match process_alive(pid) {
            Some(alive) => !alive,
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > STALE_AGE),
        };
        if stale {
            // Another save may have removed it first; either way it is gone.
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether a process runs, where the system's process table can be read (`/proc`).
fn process_alive(pid: u32) -> Option<bool> {
    let proc_dir = Path::new("/proc");
    proc_dir
        .join("self")
        .exists()
        .then(|| proc_dir.join(pid.to_string()).exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        fs::write(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["out.json"]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty directory fails after the temporary file was written.
        let target = dir.path().join("taken");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), b"kept").unwrap();
        assert!(write_atomic(&target, b"new").is_err());
        assert_eq!(fs::read(target.join("keep")).unwrap(), b"kept");
        assert_eq!(names(dir.path()), ["taken"]);
    }

    #[test]
    fn saves_of_one_target_at_once_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        let contents: Vec<Vec<u8>> = (0..8_u8).map(|i| vec![i; 200_000]).collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = contents
                .iter()
                .map(|bytes| scope.spawn(|| write_atomic(&path, bytes)))
                .collect();
            for handle in handles {
                handle.join().unwrap().unwrap();
            }
        });
        // One whole save won; nothing of the others is left.
        let written = fs::read(&path).unwrap();
        assert!(contents.contains(&written));
        assert_eq!(names(dir.path()), ["out.json"]);
    }

    #[test]
    fn a_prepared_file_that_is_dropped_leaves_the_target_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, b"old").unwrap();
        let pending = prepare(&path, |out| out.write_all(b"new")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"old");
        drop(pending);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["out.csv"]);
        // A write that fails halfway leaves nothing either.
        let failed = prepare(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("stopped"))
        });
        assert!(failed.is_err());
        assert_eq!(names(dir.path()), ["out.csv"]);
        prepare(&path, |out| out.write_all(b"new"))
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_permissions_of_the_file_it_replaces() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.json");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"new").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_mode_of_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let reference = dir.path().join("reference");
        fs::File::create(&reference).unwrap();
        let path = dir.path().join("new.json");
        write_atomic(&path, b"new").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&reference));
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("data")).unwrap();
        let real = dir.path().join("data/real.json");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("data/real.json", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["data", "link.json"]);
        assert_eq!(names(&dir.path().join("data")), ["real.json"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn removes_what_a_killed_save_left_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        // A process id above any Linux pid_max (4194304): no such process runs.
        let dead = 9_999_999;
        let leftovers = [
            format!(".out.json.{dead}.tmp"),        // the old fixed name
            format!(".out.json.{dead}.Ab3xYz.tmp"), // the unique name
        ];
        for name in &leftovers {
            fs::write(dir.path().join(name), b"half").unwrap();
        }
        let alive = format!(".out.json.{}.Live01.tmp", std::process::id());
        fs::write(dir.path().join(&alive), b"in flight").unwrap();
        let other = format!(".other.json.{dead}.tmp");
        fs::write(dir.path().join(&other), b"not ours").unwrap();
        write_atomic(&path, b"new").unwrap();
        let mut expected = vec![alive, other, "out.json".to_string()];
        expected.sort();
        assert_eq!(names(dir.path()), expected);
    }
}
