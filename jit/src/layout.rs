//! Every offset native code uses into the records it shares with the
//! interpreter (`Cx`, `Ctl`, `Frame`, `Proto`, `Array`), in one place, for
//! every backend: a change of layout is a change here.

use std::mem::{offset_of, size_of};

use vm::array::Array;
use vm::tiering::Cx;
use vm::Proto;

pub const CX_BASE: i32 = offset_of!(Cx, base) as i32;
pub const CX_FUEL: i32 = offset_of!(Cx, fuel) as i32;
pub const CX_LEVELS: i32 = offset_of!(Cx, levels) as i32;
pub const CX_SP: i32 = offset_of!(Cx, sp) as i32;
pub const CX_FLOOR: i32 = offset_of!(Cx, floor) as i32;
pub const CX_SPILLS: i32 = offset_of!(Cx, spills) as i32;
pub const CX_PROTOS: i32 = offset_of!(Cx, protos) as i32;
pub const CX_RT: i32 = offset_of!(Cx, rt) as i32;
pub const CX_RTOPS: i32 = offset_of!(Cx, rtops) as i32;
pub const CX_RAISED: i32 = offset_of!(Cx, raised) as i32;

/// Bytes of one level of the machine stack (an unreturned native call,
/// see `vm::tiering::Cx`): the return address (at `sp`) and the call's
/// instruction (at `sp + LEVEL_PC`). Sixteen keep `sp` aligned for C calls
/// at every depth.
pub const LEVEL: i32 = 16;
pub const LEVEL_PC: i32 = 8;

pub const PROTO_SIZE: i32 = size_of::<Proto>() as i32;
pub const PROTO_ENTRY: i32 = offset_of!(Proto, entry) as i32;
pub const PROTO_NREGS: i32 = offset_of!(Proto, nregs) as i32;

pub const ARRAY_DATA: i32 = offset_of!(Array, data) as i32;
/// `shape[axis]` is at `ARRAY_SHAPE + 8 * axis`.
pub const ARRAY_SHAPE: i32 = offset_of!(Array, shape) as i32;
/// `strides[axis]` (in bytes) is at `ARRAY_STRIDES + 8 * axis`.
pub const ARRAY_STRIDES: i32 = offset_of!(Array, strides) as i32;

/// Bytes of one runtime-operation descriptor (`Rt` operands index them).
pub const RTDESC_SIZE: usize = size_of::<vm::rt::RtDesc>();
