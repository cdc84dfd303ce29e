//go:build !unix

package main

import (
	"errors"
	"os"
)

// ErrLocked means another process holds the database.
var ErrLocked = errors.New("the database is in use by another server")

// lockDatabase does nothing where flock(2) is not available: there, run
// one server per database by other means.
func lockDatabase(string) (*os.File, error) { return nil, nil }
