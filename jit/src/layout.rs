//! Every offset native code uses into the records it shares with the
//! interpreter (`Cx`, `Ctl`, `Frame`, `Proto`, `Array`), in one place, for
//! every backend: a change of layout is a change here.

use std::mem::{offset_of, size_of};

use vm::array::Array;
use vm::tiering::{Ctl, Cx, Frame};
use vm::Proto;

pub const CX_BASE: i32 = offset_of!(Cx, base) as i32;
pub const CX_FUEL: i32 = offset_of!(Cx, fuel) as i32;
pub const CX_CTL: i32 = offset_of!(Cx, ctl) as i32;
pub const CX_FRAMES: i32 = offset_of!(Cx, frames) as i32;
pub const CX_STACK: i32 = offset_of!(Cx, stack) as i32;
pub const CX_STACK_LEN: i32 = offset_of!(Cx, stack_len) as i32;
pub const CX_PROTOS: i32 = offset_of!(Cx, protos) as i32;
pub const CX_RT: i32 = offset_of!(Cx, rt) as i32;
pub const CX_RTOPS: i32 = offset_of!(Cx, rtops) as i32;
pub const CX_RAISED: i32 = offset_of!(Cx, raised) as i32;

pub const CTL_CUR: i32 = offset_of!(Ctl, cur) as i32;
pub const CTL_FBASE: i32 = offset_of!(Ctl, fbase) as i32;
pub const CTL_FP: i32 = offset_of!(Ctl, fp) as i32;
pub const CTL_FEND: i32 = offset_of!(Ctl, fend) as i32;

pub const FRAME_PROTO: i32 = offset_of!(Frame, proto) as i32;
pub const FRAME_IP: i32 = offset_of!(Frame, ip) as i32;
pub const FRAME_BASE: i32 = offset_of!(Frame, base) as i32;
pub const FRAME_RESUME: i32 = offset_of!(Frame, resume) as i32;
pub const FRAME_SIZE: i32 = size_of::<Frame>() as i32;

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
