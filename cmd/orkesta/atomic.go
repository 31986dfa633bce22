package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// atomicFile is a file written next to its final name and renamed into place once it is complete and
// synced, so that the name holds either its old content or the whole new one. Creating it is also
// the check that the folder is there and writable, before anything else is done.
//
// The file ends up with the mode a plain create would give it (0666 less the umask, and whatever
// default ACL the folder has), or, when it replaces a file, that file's mode: os.CreateTemp's 0600
// would make every report private and turn a shared 0644 report into 0600 when it is written again.
type atomicFile struct {
	path string   // the final name
	tmp  *os.File // the temporary file, nil once committed or discarded
	name string   // its name
}

// createAtomic creates the temporary file for path in path's folder.
func createAtomic(path string) (*atomicFile, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	for try := 0; ; try++ {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		// 0666 as os.Create: the umask (or the folder's default ACL) decides, as for a plain create.
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) { // not the temporary name: the user knows only path
				err = pe.Err
			}
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		return &atomicFile{path: path, tmp: f, name: name}, nil
	}
}

// write replaces what the temporary file holds with what write writes, and syncs it. The file is
// written with direct I/O where the system allows it (directWriter).
func (a *atomicFile) write(write func(io.Writer) error) error {
	err := a.tmp.Truncate(0)
	if err == nil {
		_, err = a.tmp.Seek(0, io.SeekStart)
	}
	if err == nil {
		if dw, ok := newDirectWriter(a.tmp); ok {
			err = write(dw)
			if cerr := dw.Close(); err == nil {
				err = cerr
			}
		} else {
			err = write(a.tmp)
		}
	}
	if err == nil {
		err = a.tmp.Sync()
	}
	if err == nil { // the temporary file's name too: it may become the only copy (export pain001)
		err = syncDir(filepath.Dir(a.path))
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	return nil
}

// syncDir makes the names in a folder durable: a rename or link survives a power loss only once its
// folder is synced. A variable for tests.
var syncDir = func(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// commit gives the temporary file the mode of the file it replaces, if any, closes it and renames it
// into place. When the rename fails the temporary file is still there, under a.name, until discard.
func (a *atomicFile) commit() error {
	if st, err := os.Stat(a.path); err == nil && st.Mode().IsRegular() {
		if err := a.tmp.Chmod(st.Mode().Perm()); err != nil {
			return fmt.Errorf("write %s: %w", a.path, err)
		}
	}
	err := a.tmp.Close()
	a.tmp = nil
	if err != nil {
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	if err := os.Rename(a.name, a.path); err != nil {
		return err
	}
	a.name = ""
	return syncDir(filepath.Dir(a.path))
}

// discard removes the temporary file unless it was renamed into place. It is safe to call after
// commit, and more than once.
func (a *atomicFile) discard() {
	if a.tmp != nil {
		_ = a.tmp.Close()
		a.tmp = nil
	}
	if a.name != "" {
		_ = os.Remove(a.name)
		a.name = ""
	}
}

// writeAtomic writes path through an atomicFile: a failed write leaves the old content, or nothing.
func writeAtomic(path string, write func(io.Writer) error) error {
	a, err := createAtomic(path)
	if err != nil {
		return err
	}
	defer a.discard()
	if err := a.write(write); err != nil {
		return err
	}
	return a.commit()
}
