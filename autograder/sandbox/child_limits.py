"""Inside a student's process: the limits and the seccomp filter it puts on itself before
any student code runs, and the state a fork inherits (compared by the zygote before each
fork). Loaded by path beside child.py, like protocol.py: standard library only."""
import os
import signal


def set_limits(memory_bytes, cpu_seconds, processes):
    """Applied before any student code runs (and inherited by processes it starts).

    processes: the cap on processes of this uid, given only where the uid is the student's
    own (it counts every process of the uid, and root ignores it)."""
    import resource
    if processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# Kernel objects that outlive a process and that no reset could find and remove in every
# mode: keys in the uid's keyrings and POSIX message queues. Students' code gets EPERM.
DENIED_SYSCALLS = {
    # AUDIT_ARCH: add_key, request_key, keyctl, mq_open .. mq_getsetattr
    "x86_64": (0xC000003E, (248, 249, 250, 240, 241, 242, 243, 244, 245)),
    "aarch64": (0xC00000B7, (217, 218, 219, 180, 181, 182, 183, 184, 185)),
}


def deny_kernel_objects():
    """A seccomp filter (inherited by every process the student starts) that fails the
    syscalls in DENIED_SYSCALLS with EPERM, and every syscall of another ABI (x32, or
    32-bit x86 through int 0x80, whose numbers differ). Raises OSError where it cannot be
    installed; does nothing on an architecture not listed."""
    import ctypes
    import platform
    if platform.machine() not in DENIED_SYSCALLS:
        return
    arch, numbers = DENIED_SYSCALLS[platform.machine()]
    load, jump_eq, jump_ge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JGE, RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    checks = [(jump_ge, 0x40000000)] if arch == 0xC000003E else []  # the x32 ABI's numbers
    checks += [(jump_eq, number) for number in numbers]
    program = [(load, 0, 0, 4), (jump_eq, 1, 0, arch), (ret, 0, 0, deny), (load, 0, 0, 0)]
    for position, (code, number) in enumerate(checks):
        program.append((code, len(checks) - position, 0, number))  # to the last "deny"
    program += [(ret, 0, 0, allow), (ret, 0, 0, deny)]

    class Instruction(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                    ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]

    instructions = (Instruction * len(program))(*program)
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                      ctypes.c_ulong]
    filter_program = Program(len(program), instructions)
    # PR_SET_NO_NEW_PRIVS, then PR_SET_SECCOMP with SECCOMP_MODE_FILTER.
    if prctl(38, 1, None, 0, 0) or prctl(22, 2, ctypes.addressof(filter_program), 0, 0):
        raise OSError(ctypes.get_errno(), "seccomp filter not installed")


IOPRIO_GET = {"x86_64": 252, "aarch64": 31}  # the ioprio_get syscall's number


def inheritable_state():
    """What a fork inherits from this process that another process of its uid could change
    (prlimit, setpriority, sched_setaffinity, sched_setscheduler, ioprio_set need no
    ptrace), or that code in this process could: all of it is compared before each fork."""
    import ctypes
    import platform
    import resource
    umask = os.umask(0o077)
    os.umask(umask)
    libc = ctypes.CDLL(None, use_errno=True)
    number = IOPRIO_GET.get(platform.machine())
    return {
        "limits": {name: resource.getrlimit(getattr(resource, name))
                   for name in dir(resource) if name.startswith("RLIMIT_")},
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "scheduler": [os.sched_getscheduler(0), os.sched_getparam(0).sched_priority],
        "affinity": sorted(os.sched_getaffinity(0)),
        "io priority": libc.syscall(number, 1, 0) if number else None,  # IOPRIO_WHO_PROCESS
        "umask": umask, "cwd": os.getcwd(), "environment": dict(os.environ),
        "signals": {number: repr(signal.getsignal(number)) for number in signal.valid_signals()
                    if number not in (signal.SIGKILL, signal.SIGSTOP)},
        "blocked signals": sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])),
    }
