// SPDX-License-Identifier: GPL-2.0-only
//
// Atalaya's process sensor in the kernel: fork, exec and exit of every process, with what the data
// model needs of an exec read here, at the exec tracepoint, instead of from eleven /proc files after
// it. The exec'ing process pays for the reads (2-4 µs per record, measured) and the agent reads one
// record; a process that is gone before the agent looks still has its argv, paths and credentials.
//
// Portable across kernels through CO-RE: the structures below declare only the fields used, and
// libbpf relocates each access against the running kernel's BTF (/sys/kernel/btf/vmlinux). The
// record layout is a contract with BpfProcessRecordParser.cs: change both together.
//
// GPL because the helpers used here (bpf_probe_read_kernel and friends) are GPL-only in the kernel.

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;
typedef __u16 u16;

#define ARGS_MAX 4096

// Open descriptors are counted over this many words of the open_fds bitmap (4,096 fds); a process
// with a larger table is counted by the agent from /proc instead.
#define FD_WORDS 64
#define FD_COUNT_UNKNOWN 0xffffffffu

// The executable's and the working directory's paths, walked up their dentries and mounts as d_path
// does, leaf first, each component as a length byte and its bytes. A path deeper than PATH_DEPTH or
// longer than the area is left to /proc.
#define PATH_AREA 2048
#define PATH_SLACK 256
#define PATH_DEPTH 24
#define PATH_COMPLETE 1
#define PATH_DELETED 2
#define FILENAME_MAX_BYTES 256

// PIDTYPE_SID in enum pid_type (PID, TGID, PGID, SID) since 4.19.
#define PIDTYPE_SID 3

enum record_kind { RECORD_FORK = 1, RECORD_EXEC = 2, RECORD_EXIT = 3 };

struct ns_common { unsigned int inum; } __attribute__((preserve_access_index));
struct mnt_namespace { struct ns_common ns; } __attribute__((preserve_access_index));
struct uts_namespace { struct ns_common ns; } __attribute__((preserve_access_index));
struct ipc_namespace { struct ns_common ns; } __attribute__((preserve_access_index));
struct net { struct ns_common ns; } __attribute__((preserve_access_index));
struct pid_namespace { struct ns_common ns; } __attribute__((preserve_access_index));
struct user_namespace { struct ns_common ns; } __attribute__((preserve_access_index));
struct cgroup_namespace { struct ns_common ns; } __attribute__((preserve_access_index));
struct time_namespace { struct ns_common ns; } __attribute__((preserve_access_index));

struct nsproxy {
	struct uts_namespace *uts_ns;
	struct ipc_namespace *ipc_ns;
	struct mnt_namespace *mnt_ns;
	struct net *net_ns;
	struct time_namespace *time_ns;
	struct cgroup_namespace *cgroup_ns;
} __attribute__((preserve_access_index));

struct upid { int nr; struct pid_namespace *ns; } __attribute__((preserve_access_index));
struct pid { unsigned int level; struct upid numbers[1]; } __attribute__((preserve_access_index));

typedef struct { unsigned int val; } kuid_t;
typedef struct { unsigned int val; } kgid_t;

// A u64 since 6.3, two u32 (low first) before: the same eight bytes, and CO-RE accepts either struct.
typedef struct { u64 val; } kernel_cap_t;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
	kernel_cap_t cap_effective;
	struct user_namespace *user_ns;
} __attribute__((preserve_access_index));

struct tty_driver { int major; int minor_start; } __attribute__((preserve_access_index));
struct tty_struct { struct tty_driver *driver; int index; } __attribute__((preserve_access_index));

typedef struct { int counter; } atomic_t;

struct signal_struct {
	atomic_t live;
	struct pid *pids[4];
	struct tty_struct *tty;
} __attribute__((preserve_access_index));

struct mm_struct { unsigned long arg_start; unsigned long arg_end; } __attribute__((preserve_access_index));

struct task_struct {
	unsigned int ptrace;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *parent;
	struct pid *thread_pid;
	u64 start_boottime;
	const struct cred *real_cred;
	kuid_t loginuid;
	struct nsproxy *nsproxy;
	struct signal_struct *signal;
	struct mm_struct *mm;
	struct files_struct *files;
	struct fs_struct *fs;
	int exit_code;
} __attribute__((preserve_access_index));

struct super_block { unsigned int s_dev; unsigned long s_magic; } __attribute__((preserve_access_index));
struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	unsigned int i_rdev;
	unsigned int i_nlink;
	long long i_size;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

// The inode's times moved three times; CO-RE picks the layout the running kernel has.
struct timespec64 { long long tv_sec; long tv_nsec; };
struct inode___v611 { long long i_mtime_sec; long long i_ctime_sec; unsigned int i_mtime_nsec; unsigned int i_ctime_nsec; } __attribute__((preserve_access_index));
struct inode___v67 { struct timespec64 __i_mtime; struct timespec64 __i_ctime; } __attribute__((preserve_access_index));
struct inode___v66 { struct timespec64 i_mtime; struct timespec64 __i_ctime; } __attribute__((preserve_access_index));
struct inode___old { struct timespec64 i_mtime; struct timespec64 i_ctime; } __attribute__((preserve_access_index));

struct qstr { unsigned int len; const unsigned char *name; } __attribute__((preserve_access_index));
struct hlist_bl_node { void *next; void **pprev; } __attribute__((preserve_access_index));
struct dentry {
	struct hlist_bl_node d_hash;
	struct dentry *d_parent;
	struct qstr d_name;
} __attribute__((preserve_access_index));
struct vfsmount { struct dentry *mnt_root; } __attribute__((preserve_access_index));
struct mount { struct mount *mnt_parent; struct dentry *mnt_mountpoint; struct vfsmount mnt; } __attribute__((preserve_access_index));
struct path { struct vfsmount *mnt; struct dentry *dentry; } __attribute__((preserve_access_index));
struct fs_struct { struct path pwd; } __attribute__((preserve_access_index));
struct file { struct inode *f_inode; struct path f_path; } __attribute__((preserve_access_index));
struct fdtable { unsigned int max_fds; struct file **fd; unsigned long *open_fds; } __attribute__((preserve_access_index));
struct files_struct { struct fdtable *fdt; } __attribute__((preserve_access_index));
struct linux_binprm { struct file *file; const char *filename; } __attribute__((preserve_access_index));

// Every record starts with this (24 bytes).
struct record_header {
	u32 kind;
	u32 pid;          // tgid of the process the record is about (the child for a fork)
	u64 timestamp_ns; // bpf_ktime_get_ns(): CLOCK_MONOTONIC, the netlink connector's clock
	u32 ppid;         // real_parent's tgid (the forking process for a fork)
	u32 exit_code;    // exit: the wait status; otherwise 0
};

struct fork_record {
	struct record_header header;
	u64 start_boottime_ns;
};

// Namespace inode numbers in ProcessReader.NamespaceTypes' order.
enum { NS_MNT, NS_NET, NS_PID, NS_USER, NS_UTS, NS_IPC, NS_CGROUP, NS_TIME, NS_COUNT };

struct exec_record {
	struct record_header header;
	u64 start_boottime_ns;
	u64 cap_effective;
	u64 cgroup_id;
	u32 uid, euid, gid, egid;
	u32 loginuid;
	u32 session;
	u32 tty_nr;
	u32 tracer_pid;
	u32 ns[NS_COUNT];
	u32 args_size;   // arg_end - arg_start: the whole argv, even when more than was copied
	u32 args_copied; // bytes of argv after the paths (NUL-separated, as /proc/[pid]/cmdline)
	u64 exe_inode;   // the executable's identity: the agent checks /proc/[pid]/exe is still this file
	u32 exe_dev;     // the kernel's dev_t (major << 20 | minor)
	u32 fd_count;    // open descriptors after the exec (close-on-exec ones are closed); FD_COUNT_UNKNOWN
	u64 stdin_magic; // fd 0: its filesystem's magic (pipefs, sockfs...), its device and mode; mode 0: no fd 0
	u32 stdin_rdev;
	u32 stdin_mode;
	char comm[16];
	char filename[FILENAME_MAX_BYTES]; // the path execve was given (not resolved), NUL-terminated
	u64 exe_size;    // with exe_inode/exe_dev: the hash cache's identity of the file, no statx needed
	s64 exe_mtime_sec;
	s64 exe_ctime_sec;
	u32 exe_mtime_nsec;
	u32 exe_ctime_nsec;
	u16 exe_path_bytes; // bytes of paths[] holding the executable's components
	u16 cwd_path_bytes; // the working directory's, right after
	u8 exe_path_flags;  // PATH_COMPLETE, PATH_DELETED (no links left, as /proc's " (deleted)")
	u8 cwd_path_flags;
	u16 reserved;
	char paths[PATH_AREA + PATH_SLACK]; // then argv, right after the paths' bytes (args_copied of them)
	char args[ARGS_MAX]; // room for argv when the paths are short; never addressed by name
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	// ~550 bytes per process (fork, exec, exit): about 7,500 processes, over four seconds at 1,600/s,
	// for the reader to fall behind by.
	__uint(max_entries, 4 * 1024 * 1024);
} records SEC(".maps");

// The record is built here, then copied into the ring at its real length: a 4 KiB argv buffer per
// exec in the ring would fill it twenty times faster than the records need.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct exec_record);
} scratch SEC(".maps");

// Records the ring had no room for, per CPU; the agent reads the sum and resyncs from /proc.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
	u32 zero = 0;
	u64 *value = bpf_map_lookup_elem(&lost, &zero);
	if (value)
		__sync_fetch_and_add(value, 1);
}

// No record wakes the reader: the ring's wake-up is an irq_work, a self-IPI that cost the exec'ing
// process 22 µs per exec in a VM here and reached the reader late. The netlink connector's exec
// message, sent right after this tracepoint in exec_binprm() and delivered by an ordinary socket
// wake-up, is the reader's doorbell instead; forks and exits are collected with the next exec or
// within the reader's poll timeout.
static __always_inline void emit(void *data, u64 size, u64 flags)
{
	if (bpf_ringbuf_output(&records, data, size, flags) != 0)
		count_lost();
}

// The kernel has no popcount helper and clang would call libgcc's: the classic bit count.
static __always_inline u32 bits_set(u64 word)
{
	word = word - ((word >> 1) & 0x5555555555555555ULL);
	word = (word & 0x3333333333333333ULL) + ((word >> 2) & 0x3333333333333333ULL);
	word = (word + (word >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (u32)((word * 0x0101010101010101ULL) >> 56);
}

// What /proc/[pid]/fd counts (its size since 6.2) and what fd 0 is: two /proc lookups the agent saves.
static __always_inline void read_descriptors(struct task_struct *task, struct exec_record *record)
{
	record->fd_count = FD_COUNT_UNKNOWN;
	record->stdin_mode = 0;
	record->stdin_rdev = 0;
	record->stdin_magic = 0;
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return;

	unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
	unsigned long *open_fds = BPF_CORE_READ(fdt, open_fds);
	u32 count = 0;
	int i;
	for (i = 0; i < FD_WORDS; i++) {
		if ((u64)i * 64 >= max_fds)
			break;
		u64 word = 0;
		if (bpf_probe_read_kernel(&word, sizeof(word), &open_fds[i]) != 0)
			return;
		count += bits_set(word);
	}
	if ((u64)FD_WORDS * 64 >= max_fds)
		record->fd_count = count;

	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *input = 0;
	if (bpf_probe_read_kernel(&input, sizeof(input), &fds[0]) != 0 || !input)
		return;
	struct inode *inode = BPF_CORE_READ(input, f_inode);
	record->stdin_mode = BPF_CORE_READ(inode, i_mode);
	record->stdin_rdev = BPF_CORE_READ(inode, i_rdev);
	record->stdin_magic = BPF_CORE_READ(inode, i_sb, s_magic);
}

// Components of a path, leaf first, appended at *used in the record's path area; flags say whether
// the walk reached the root of the mount tree within PATH_DEPTH and the area.
static __always_inline u8 walk_path(struct exec_record *record, u32 *used, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	if (!dentry || !vfsmnt)
		return 0;
	struct mount *mnt = (struct mount *)((char *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
	int i;
	for (i = 0; i < PATH_DEPTH; i++) {
		struct dentry *root = BPF_CORE_READ(vfsmnt, mnt_root);
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (dentry == root || dentry == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt || !up)
				return PATH_COMPLETE; // the root of this mount namespace
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vfsmnt = (struct vfsmount *)((char *)up + bpf_core_field_offset(struct mount, mnt));
			continue;
		}
		u32 length = BPF_CORE_READ(dentry, d_name.len);
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		u32 at = *used;
		if (length == 0 || length > 255 || at + 1 + length > PATH_AREA)
			return 0;
		at &= PATH_AREA - 1;
		record->paths[at] = (char)length;
		if (bpf_probe_read_kernel(&record->paths[at + 1], length & 0xff, name) != 0)
			return 0;
		*used = at + 1 + length;
		dentry = parent;
	}
	return 0;
}

static __always_inline void read_times(struct inode *inode, struct exec_record *record)
{
	struct inode___v611 *v611 = (void *)inode;
	struct inode___v67 *v67 = (void *)inode;
	struct inode___v66 *v66 = (void *)inode;
	struct inode___old *old = (void *)inode;
	if (bpf_core_field_exists(v611->i_mtime_sec)) {
		record->exe_mtime_sec = BPF_CORE_READ(v611, i_mtime_sec);
		record->exe_mtime_nsec = BPF_CORE_READ(v611, i_mtime_nsec);
		record->exe_ctime_sec = BPF_CORE_READ(v611, i_ctime_sec);
		record->exe_ctime_nsec = BPF_CORE_READ(v611, i_ctime_nsec);
	} else if (bpf_core_field_exists(v67->__i_mtime)) {
		record->exe_mtime_sec = BPF_CORE_READ(v67, __i_mtime.tv_sec);
		record->exe_mtime_nsec = BPF_CORE_READ(v67, __i_mtime.tv_nsec);
		record->exe_ctime_sec = BPF_CORE_READ(v67, __i_ctime.tv_sec);
		record->exe_ctime_nsec = BPF_CORE_READ(v67, __i_ctime.tv_nsec);
	} else if (bpf_core_field_exists(v66->__i_ctime)) {
		record->exe_mtime_sec = BPF_CORE_READ(v66, i_mtime.tv_sec);
		record->exe_mtime_nsec = BPF_CORE_READ(v66, i_mtime.tv_nsec);
		record->exe_ctime_sec = BPF_CORE_READ(v66, __i_ctime.tv_sec);
		record->exe_ctime_nsec = BPF_CORE_READ(v66, __i_ctime.tv_nsec);
	} else {
		record->exe_mtime_sec = BPF_CORE_READ(old, i_mtime.tv_sec);
		record->exe_mtime_nsec = BPF_CORE_READ(old, i_mtime.tv_nsec);
		record->exe_ctime_sec = BPF_CORE_READ(old, i_ctime.tv_sec);
		record->exe_ctime_nsec = BPF_CORE_READ(old, i_ctime.tv_nsec);
	}
}

// stat's tty_nr: new_encode_dev(MKDEV(driver->major, driver->minor_start) + index).
static __always_inline u32 tty_nr_of(struct signal_struct *signal)
{
	struct tty_struct *tty = BPF_CORE_READ(signal, tty);
	if (!tty)
		return 0;
	u32 major = BPF_CORE_READ(tty, driver, major);
	u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	// A new thread (clone with CLONE_THREAD) is not a new process.
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;

	struct fork_record record = {};
	record.header.kind = RECORD_FORK;
	record.header.pid = BPF_CORE_READ(child, tgid);
	record.header.timestamp_ns = bpf_ktime_get_ns();
	record.header.ppid = BPF_CORE_READ(child, real_parent, tgid);
	record.start_boottime_ns = BPF_CORE_READ(child, start_boottime);
	emit(&record, sizeof(record), BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	// Called for every thread; the process ends with its last one (signal->live reached zero before
	// the tracepoint). Read from the task, not the tracepoint's group_dead argument, which older
	// kernels do not pass.
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;

	struct record_header record = {};
	record.kind = RECORD_EXIT;
	record.pid = BPF_CORE_READ(task, tgid);
	record.timestamp_ns = bpf_ktime_get_ns();
	record.ppid = BPF_CORE_READ(task, real_parent, tgid);
	record.exit_code = BPF_CORE_READ(task, exit_code);
	emit(&record, sizeof(record), BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, int old_pid, struct linux_binprm *bprm)
{
	u32 zero = 0;
	struct exec_record *record = bpf_map_lookup_elem(&scratch, &zero);
	if (!record)
		return 0;

	record->header.kind = RECORD_EXEC;
	record->header.pid = BPF_CORE_READ(task, tgid);
	record->header.timestamp_ns = bpf_ktime_get_ns();
	record->header.ppid = BPF_CORE_READ(task, real_parent, tgid);
	record->header.exit_code = 0;
	record->start_boottime_ns = BPF_CORE_READ(task, start_boottime);

	const struct cred *cred = BPF_CORE_READ(task, real_cred);
	record->uid = BPF_CORE_READ(cred, uid.val);
	record->euid = BPF_CORE_READ(cred, euid.val);
	record->gid = BPF_CORE_READ(cred, gid.val);
	record->egid = BPF_CORE_READ(cred, egid.val);
	bpf_core_read(&record->cap_effective, sizeof(record->cap_effective), &cred->cap_effective);
	record->loginuid = BPF_CORE_READ(task, loginuid.val);
	record->cgroup_id = bpf_get_current_cgroup_id();

	struct signal_struct *signal = BPF_CORE_READ(task, signal);
	record->session = BPF_CORE_READ(signal, pids[PIDTYPE_SID], numbers[0].nr);
	record->tty_nr = tty_nr_of(signal);
	record->tracer_pid = BPF_CORE_READ(task, ptrace) ? BPF_CORE_READ(task, parent, tgid) : 0;

	struct nsproxy *nsproxy = BPF_CORE_READ(task, nsproxy);
	record->ns[NS_MNT] = BPF_CORE_READ(nsproxy, mnt_ns, ns.inum);
	record->ns[NS_NET] = BPF_CORE_READ(nsproxy, net_ns, ns.inum);
	record->ns[NS_UTS] = BPF_CORE_READ(nsproxy, uts_ns, ns.inum);
	record->ns[NS_IPC] = BPF_CORE_READ(nsproxy, ipc_ns, ns.inum);
	record->ns[NS_CGROUP] = BPF_CORE_READ(nsproxy, cgroup_ns, ns.inum);
	record->ns[NS_TIME] = bpf_core_field_exists(nsproxy->time_ns) ? BPF_CORE_READ(nsproxy, time_ns, ns.inum) : 0;
	record->ns[NS_USER] = BPF_CORE_READ(cred, user_ns, ns.inum);
	// The process's own pid namespace (what /proc/[pid]/ns/pid names): its pid's deepest level.
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct pid_namespace *pid_ns = 0;
	bpf_core_read(&pid_ns, sizeof(pid_ns), &pid->numbers[level & 31].ns);
	record->ns[NS_PID] = pid_ns ? BPF_CORE_READ(pid_ns, ns.inum) : 0;

	struct inode *inode = BPF_CORE_READ(bprm, file, f_inode);
	record->exe_inode = BPF_CORE_READ(inode, i_ino);
	record->exe_dev = BPF_CORE_READ(inode, i_sb, s_dev);
	record->exe_size = BPF_CORE_READ(inode, i_size);
	read_times(inode, record);
	read_descriptors(task, record);

	u32 used = 0;
	struct file *exe = BPF_CORE_READ(bprm, file);
	record->exe_path_flags = walk_path(record, &used, BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt));
	if (BPF_CORE_READ(inode, i_nlink) == 0)
		record->exe_path_flags |= PATH_DELETED;
	record->exe_path_bytes = used;
	struct dentry *pwd = BPF_CORE_READ(task, fs, pwd.dentry);
	record->cwd_path_flags = walk_path(record, &used, pwd, BPF_CORE_READ(task, fs, pwd.mnt));
	// d_unlinked(): unhashed and not a root: a removed directory, which /proc shows with " (deleted)".
	if (pwd && !BPF_CORE_READ(pwd, d_hash.pprev) && BPF_CORE_READ(pwd, d_parent) != pwd)
		record->cwd_path_flags |= PATH_DELETED;
	record->cwd_path_bytes = used - record->exe_path_bytes;
	record->reserved = 0;
	bpf_get_current_comm(&record->comm, sizeof(record->comm));
	const char *filename = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(&record->filename, sizeof(record->filename), filename) < 0)
		record->filename[0] = 0;

	// The new image's argv is in place at this tracepoint and the process has not run yet: what is
	// copied is exactly what execve was given.
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	u64 size = end > start ? end - start : 0;
	record->args_size = size > 0xffffffffUL ? 0xffffffffU : (u32)size;
	u32 copy = size < ARGS_MAX ? (u32)size : ARGS_MAX;
	// Bounds restated where the verifier can see them (it tracks the register, not the ternary above).
	if (copy > ARGS_MAX)
		copy = ARGS_MAX;
	u32 tail = used & (PATH_AREA - 1);
	if (copy > 0 && bpf_probe_read_user(&record->paths[tail], copy, (const void *)start) != 0)
		copy = 0;
	record->args_copied = copy;

	u64 length = __builtin_offsetof(struct exec_record, paths) + tail + (u64)copy;
	if (length > sizeof(*record))
		length = sizeof(*record);
	emit(record, length, BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
