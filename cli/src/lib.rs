//! The CLI's I/O layer as a library: reading projects from disk, so that
//! integration tests load projects exactly as `trellis` does.

pub mod artifacts;
pub mod docs;
pub mod load;
pub mod ls;
