// Package diskfull is a small disk for tests: a results.FS that fills up,
// so a test sees what a run does when the disk is full.
package diskfull

import (
	"io/fs"
	"os"
	"sync"
	"syscall"

	"github.com/inferbench/inferbench/results"
)

// Disk is a results.FS over the operating system's that holds at most
// size bytes, as a full disk does: a write past it fails with ENOSPC, and
// a removed or overwritten file gives its bytes back. The files are real,
// so a test reads what was written.
type Disk struct {
	mu    sync.Mutex
	size  int64
	used  int64
	files map[string]int64 // bytes held by each file
}

// New is a Disk of size bytes.
func New(size int64) *Disk { return &Disk{size: size, files: map[string]int64{}} }

// Create implements results.FS.
func (d *Disk) Create(name string) (results.File, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.used -= d.files[name]
	d.files[name] = 0
	d.mu.Unlock()
	return &file{d: d, f: f, name: name}, nil
}

// Rename implements results.FS.
func (d *Disk) Rename(oldpath, newpath string) error {
	if err := os.Rename(oldpath, newpath); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.used -= d.files[newpath]
	d.files[newpath] = d.files[oldpath]
	delete(d.files, oldpath)
	return nil
}

// Remove implements results.FS.
func (d *Disk) Remove(name string) error {
	if err := os.Remove(name); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.used -= d.files[name]
	delete(d.files, name)
	return nil
}

type file struct {
	d    *Disk
	f    *os.File
	name string
}

func (f *file) Write(p []byte) (int, error) {
	d := f.d
	d.mu.Lock()
	room := d.size - d.used
	n := int64(len(p))
	if n > room {
		n = max(room, 0)
	}
	d.used += n
	d.files[f.name] += n
	d.mu.Unlock()
	w, err := f.f.Write(p[:n])
	if err == nil && w < len(p) {
		err = &fs.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	return w, err
}

func (f *file) Sync() error  { return f.f.Sync() }
func (f *file) Close() error { return f.f.Close() }
