//! Capabilities. A container's processes keep only Docker's default set
//! (`rootfs::DEFAULT_CAPABILITIES`): raw syscalls, so the container's first
//! process (a CLONE_VM child) may call this too.

/// Limits the calling thread to `mask`: the bounding set loses the rest (so
/// no exec of a file with capabilities brings them back), and the
/// effective and permitted sets become `mask`; nothing is inheritable, as
/// on Docker since 20.10.14. Needs CAP_SETPCAP, which it keeps or drops
/// with the rest.
pub fn limit_to(mask: u64) -> Result<(), i32> {
    for cap in 0..64u64 {
        if mask & (1 << cap) != 0 {
            continue;
        }
        // SAFETY: prctl with integer arguments.
        let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if r < 0 {
            let errno = nix::Error::last() as i32;
            // Past the kernel's last capability.
            if errno == libc::EINVAL {
                break;
            }
            return Err(errno);
        }
    }
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    let header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let half = |shift: u32| Data {
        effective: (mask >> shift) as u32,
        permitted: (mask >> shift) as u32,
        inheritable: 0,
    };
    let data = [half(0), half(32)];
    // SAFETY: capset with a version-3 header and two data words.
    let r = unsafe { libc::syscall(libc::SYS_capset, &header as *const Header, data.as_ptr()) };
    if r < 0 {
        return Err(nix::Error::last() as i32);
    }
    // Ambient capabilities would survive exec: clear them.
    // SAFETY: prctl with integer arguments.
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    Ok(())
}
