//! The record `h2r_events_take` writes for each event: its header's layout, and the
//! queued event that fills it.

/// Bytes before each event in a batch that `h2r_events_take` writes: the events
/// missed just before it (`u64`), then its length (`u64`), both in native byte
/// order. The event's bytes follow, padded with zeros to a multiple of 8.
pub const RECORD_HEADER_LEN: usize = 16;

/// Where a record's missed count (`u64`) starts, from the record's start.
pub const RECORD_MISSED_AT: usize = 0;

/// Where a record's event length (`u64`) starts, from the record's start.
pub const RECORD_LEN_AT: usize = 8;

/// What each record's length is a multiple of (its bytes are padded with zeros).
pub const RECORD_ALIGN: usize = 8;

/// One queued event.
pub(super) struct Item {
    /// Events dropped just before this one.
    pub(super) missed_before: u64,
    /// Its encoding: tag, then payload.
    pub(super) bytes: Vec<u8>,
}

impl Item {
    pub(super) fn record_len(&self) -> usize {
        RECORD_HEADER_LEN + self.bytes.len().next_multiple_of(RECORD_ALIGN)
    }

    /// Writes the record at the start of `out`, which holds at least `record_len`.
    pub(super) fn write(&self, out: &mut [u8]) {
        let len = self.bytes.len();
        out[RECORD_MISSED_AT..RECORD_MISSED_AT + 8]
            .copy_from_slice(&self.missed_before.to_ne_bytes());
        out[RECORD_LEN_AT..RECORD_LEN_AT + 8].copy_from_slice(&(len as u64).to_ne_bytes());
        out[RECORD_HEADER_LEN..RECORD_HEADER_LEN + len].copy_from_slice(&self.bytes);
        out[RECORD_HEADER_LEN + len..self.record_len()].fill(0);
    }
}
