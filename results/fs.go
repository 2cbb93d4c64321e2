package results

import (
	"io"
	"os"
)

// FS is the file system a run's files are written to: the operating
// system's (OS) unless a test gives one that fills up or fails. Folders
// are always created on the operating system's.
type FS interface {
	// Create creates or truncates the file name for writing.
	Create(name string) (File, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
}

// File is a file open for writing.
type File interface {
	io.Writer
	Sync() error
	Close() error
}

// OS is the operating system's file system.
var OS FS = osFS{}

type osFS struct{}

func (osFS) Create(name string) (File, error)     { return os.Create(name) }
func (osFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error             { return os.Remove(name) }

// orOS is fsys, or OS when it is nil (the zero value of a config).
func orOS(fsys FS) FS {
	if fsys == nil {
		return OS
	}
	return fsys
}
