package ingest

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// csvRows reads CSV records as encoding/csv does (variable field counts),
// faster: lines without a double quote, the common case of machine-written
// files, are split on commas directly, the input turned into strings 64 KiB
// at a time and lines and fields sliced from them (no allocation a row);
// from the first line holding a quote on, an
// encoding/csv reader takes over the rest of the input, since quoted fields
// may hold commas and span lines. The records, their line numbers and the
// errors are encoding/csv's (TestCSVRowsMatchEncodingCSV, FuzzCSVRows).
// The fields slice returned is reused by the next call.
type csvRows struct {
	r      io.Reader
	buf    string // read and not yet consumed
	eof    bool   // r has no more
	line   int    // lines consumed on the fast path
	slow   *csv.Reader
	base   int // lines before the slow reader's first
	fields []string
}

func newCSVRows(r io.Reader) *csvRows {
	return &csvRows{r: r}
}

// chunk is how much input is turned into one string at a time.
const chunk = 64 << 10

// readLine returns the next line with its newline, or the last one
// without, and io.EOF once the input is done (with the last line, if it
// had no newline).
func (c *csvRows) readLine() (string, error) {
	for {
		if i := strings.IndexByte(c.buf, '\n'); i >= 0 {
			line := c.buf[:i+1]
			c.buf = c.buf[i+1:]
			return line, nil
		}
		if c.eof {
			line := c.buf
			c.buf = ""
			return line, io.EOF
		}
		b := make([]byte, len(c.buf), len(c.buf)+chunk)
		copy(b, c.buf)
		n, err := io.ReadFull(c.r, b[len(c.buf):cap(b)])
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			c.eof = true
		case err != nil:
			return "", err
		}
		c.buf = string(b[:len(c.buf)+n])
	}
}

// next returns the next record and the line it starts on, or io.EOF; an
// error that is a *csv.ParseError carries the line in the whole input.
func (c *csvRows) next() ([]string, int, error) {
	if c.slow != nil {
		return c.nextSlow()
	}
	for {
		text, err := c.readLine()
		if len(text) == 0 {
			if err == nil {
				err = io.EOF
			}
			return nil, 0, err
		}
		c.line++
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		if strings.IndexByte(text, '"') >= 0 {
			// Quotes: encoding/csv reads from this line on.
			c.slow = csv.NewReader(io.MultiReader(strings.NewReader(text+c.buf), c.r))
			c.buf = ""
			c.slow.FieldsPerRecord = -1
			c.slow.ReuseRecord = true
			c.base = c.line - 1
			return c.nextSlow()
		}
		line := strings.TrimSuffix(text, "\n")
		if len(line) < len(text) || err == io.EOF {
			line = strings.TrimSuffix(line, "\r") // \r\n ends a line, and so does \r at the end of the input
		}
		if line == "" {
			continue // encoding/csv skips empty lines
		}
		c.fields = c.fields[:0]
		for {
			i := strings.IndexByte(line, ',')
			if i < 0 {
				c.fields = append(c.fields, line)
				break
			}
			c.fields = append(c.fields, line[:i])
			line = line[i+1:]
		}
		return c.fields, c.line, nil
	}
}

func (c *csvRows) nextSlow() ([]string, int, error) {
	row, err := c.slow.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		shifted := *pe
		shifted.StartLine += c.base
		shifted.Line += c.base
		return nil, shifted.Line, &shifted
	}
	if err != nil {
		return nil, 0, err
	}
	line, _ := c.slow.FieldPos(0)
	return row, line + c.base, nil
}
