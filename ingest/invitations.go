package ingest

import (
	"io"
	"time"
)

// Invited is one row of an invitations history: a contact invited to
// answer at SentAt, and when they answered (zero: they did not).
type Invited struct {
	Contact    string
	SentAt     time.Time
	AnsweredAt time.Time
}

// Answered reports whether the invitation was answered.
func (v Invited) Answered() bool { return !v.AnsweredAt.IsZero() }

var invitationColumns = []string{"contact", "sent_at", "answered_at"}

// Invitations reads an invitations history with columns contact, sent_at
// and answered_at (contact and sent_at required; answered_at empty when the
// invitation went unanswered). Times are as ParseTime reads them; an answer
// dated before its invitation, and the zero time (which Invited keeps for
// no answer), are rejected.
func Invitations(r io.Reader, format Format, file string, cols Columns) (*Reader[Invited], error) {
	return newReader(r, format, file, cols, invitationColumns, []string{"contact", "sent_at"}, func(rec record) (Invited, string, string) {
		v := Invited{Contact: rec.get("contact")}
		if v.Contact == "" {
			return v, "contact", "missing value"
		}
		var col, reason string
		if v.SentAt, col, reason = needTime(rec, "sent_at"); reason != "" {
			return v, col, reason
		}
		if v.SentAt.IsZero() {
			return v, "sent_at", "the zero time (0001-01-01T00:00:00Z): not a time anyone sent"
		}
		if rec.get("answered_at") != "" {
			if v.AnsweredAt, col, reason = needTime(rec, "answered_at"); reason != "" {
				return v, col, reason
			}
			if v.AnsweredAt.IsZero() {
				return v, "answered_at", "the zero time (0001-01-01T00:00:00Z), which reads as no answer"
			}
			if v.AnsweredAt.Before(v.SentAt) {
				return v, "answered_at", "before the invitation was sent"
			}
		}
		return v, "", ""
	})
}
