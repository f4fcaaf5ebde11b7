//! The C API (see include/kiln.h).
