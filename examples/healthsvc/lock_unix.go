//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked means another process holds the database: one server per
// database file (see the README).
var ErrLocked = errors.New("the database is in use by another server")

// lockDatabase takes an exclusive lock on path + ".lock", held until the
// file returned is closed (or the process ends, however it ends), so that a
// second server on the same database fails at once instead of diverging
// from the first.
func lockDatabase(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("store %s: lock file: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store %s: %w (%s.lock is held)", path, ErrLocked, path)
		}
		return nil, fmt.Errorf("store %s: lock: %w", path, err)
	}
	return f, nil
}
