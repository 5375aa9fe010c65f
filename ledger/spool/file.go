// Package spool keeps confirmed attendance when the database is away.
//
// A Spool is an append-only local file: each record is one line,
// "<crc32c hex> <json>\n", written and fsync'd before Append returns, so a
// caller who heard "registered" is on disk even if the process is killed
// the next instant. Replay sends every record to the store and then
// empties the file; a record replayed twice (a crash after the database
// write, before the file was emptied) is a no-op because every attendance
// request carries its IdempotencyKey and call records are keyed by
// Call-ID. Store wraps a ledger.Store so that the IVR confirms from the
// spool while the database does not answer.
package spool

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/dezura/dezura/ledger"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Record is one spooled request.
type Record struct {
	Kind       string                    `json:"kind"` // "attendance" or "call"
	Attendance *ledger.AttendanceRequest `json:"attendance,omitempty"`
	Call       *ledger.CallRecord        `json:"call,omitempty"`
	SpooledAt  time.Time                 `json:"spooled_at"`
}

// EncodeRecord returns the spool line of r, newline included.
func EncodeRecord(r Record) ([]byte, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("spool: encode: %w", err)
	}
	line := make([]byte, 0, len(js)+10)
	line = fmt.Appendf(line, "%08x ", crc32.Checksum(js, castagnoli))
	line = append(line, js...)
	return append(line, '\n'), nil
}

// DecodeRecord parses one spool line (without its newline).
func DecodeRecord(line []byte) (Record, error) {
	var r Record
	if len(line) < 10 || line[8] != ' ' {
		return r, fmt.Errorf("%w: short line", ErrCorrupt)
	}
	want, err := strconv.ParseUint(string(line[:8]), 16, 32)
	if err != nil {
		return r, fmt.Errorf("%w: checksum %q", ErrCorrupt, line[:8])
	}
	js := line[9:]
	if crc32.Checksum(js, castagnoli) != uint32(want) {
		return r, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if err := json.Unmarshal(js, &r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	switch {
	case r.Kind == "attendance" && r.Attendance != nil && r.Attendance.IdempotencyKey != "":
	case r.Kind == "call" && r.Call != nil && r.Call.CallID != "":
	default:
		return r, fmt.Errorf("%w: kind %q without its request or key", ErrCorrupt, r.Kind)
	}
	return r, nil
}

// ReadRecords reads every record of a spool file. A torn last line (no
// newline: the write that was interrupted never returned, so no caller
// was told "registered") is skipped; any other bad line is reported in
// bad by line number and skipped.
func ReadRecords(rd io.Reader) (recs []Record, bad []error, err error) {
	br := bufio.NewReader(rd)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return recs, bad, nil // a torn tail, or nothing
		}
		if err != nil {
			return recs, bad, fmt.Errorf("spool: read: %w", err)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		r, derr := DecodeRecord(line)
		if derr != nil {
			bad = append(bad, fmt.Errorf("line %d: %w", n, derr))
			continue
		}
		recs = append(recs, r)
	}
}

// Spool is the append-only file. Its methods are safe for concurrent use.
type Spool struct {
	mu   sync.Mutex
	f    *os.File
	path string
	n    int // records in the file (valid or not) since it was last emptied
}

// Open opens or creates the spool at path, cutting off a torn last line
// left by a crash so that new records start on a line of their own.
func Open(path string) (*Spool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool: open: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: open %s: %w", path, err)
	}
	keep := bytes.LastIndexByte(data, '\n') + 1
	if keep != len(data) {
		if err := f.Truncate(int64(keep)); err != nil {
			f.Close()
			return nil, fmt.Errorf("spool: cut torn line of %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("spool: sync %s: %w", path, err)
		}
	}
	if _, err := f.Seek(int64(keep), io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: open %s: %w", path, err)
	}
	if err := syncDir(path); err != nil {
		f.Close()
		return nil, err
	}
	return &Spool{f: f, path: path, n: bytes.Count(data[:keep], []byte("\n"))}, nil
}

// Path is the spool file's path.
func (s *Spool) Path() string { return s.path }

// Len is the number of records waiting for replay.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Append writes r and fsyncs the file before returning.
func (s *Spool) Append(r Record) error {
	line, err := EncodeRecord(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return ErrClosed
	}
	if _, err := s.f.Write(line); err != nil {
		return fmt.Errorf("spool: append: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("spool: fsync: %w", err)
	}
	s.n++
	return nil
}

// Close closes the file; records stay in it for the next Open.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// syncDir fsyncs the directory holding path so a new file's name is durable.
func syncDir(path string) error {
	d, err := os.Open(dirOf(path))
	if err != nil {
		return fmt.Errorf("spool: open directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: sync directory: %w", err)
	}
	return nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			if i == 0 {
				return path[:1]
			}
			return path[:i]
		}
	}
	return "."
}
