// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: process memory monitor. Module setup and teardown, its parameters,
 * and the /dev/pmm misc device the hook records through.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/random.h>

#include "pmm_internal.h"

unsigned long pmm_max_records = 1000000;
/* Writable: root may tighten or loosen the caps without a reload. */
module_param_named(max_records, pmm_max_records, ulong, 0644);
MODULE_PARM_DESC(max_records, "Most unmatched records kept per process");

/*
 * A record costs a 64-byte entry and its share of the indexes (stacks are
 * stored once each): the default stays well under 256 MiB.
 */
unsigned long pmm_max_total_records = 2000000;
module_param_named(max_total_records, pmm_max_total_records, ulong, 0644);
MODULE_PARM_DESC(max_total_records, "Most unmatched records kept in all");

static const struct file_operations pmm_fops = {
	/* An open /dev/pmm holds the module, so rmmod waits for its close. */
	.owner		= THIS_MODULE,
	.open		= pmm_ring_open,
	.mmap		= pmm_ring_mmap,
	.release	= pmm_ring_release,
	.fsync		= pmm_ring_fsync,
	.unlocked_ioctl	= pmm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static struct miscdevice pmm_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "pmm",
	.fops	= &pmm_fops,
	/* Any process may record its own allocations; the ioctls check. */
	.mode	= 0666,
};

u64 pmm_hash_seed __read_mostly;

static int __init pmm_init(void)
{
	int ret;

	pmm_hash_seed = get_random_u64();
	ret = pmm_records_init();
	if (ret)
		return ret;

	ret = pmm_proc_init();
	if (ret)
		goto out_records_exit;

	ret = pmm_thread_start();
	if (ret)
		goto out_proc_exit;

	ret = misc_register(&pmm_misc);
	if (ret)
		goto out_thread_stop;
	return 0;

out_thread_stop:
	pmm_thread_stop();
out_proc_exit:
	pmm_proc_exit();
out_records_exit:
	pmm_records_exit();
	return ret;
}

static void __exit pmm_exit(void)
{
	/* No new users first, then the thread, then what they all used. */
	misc_deregister(&pmm_misc);
	pmm_proc_exit();
	pmm_thread_stop();
	pmm_stop_all();
	pmm_records_exit();
}

module_init(pmm_init);
module_exit(pmm_exit);

MODULE_DESCRIPTION("Process memory monitor: records unmatched allocations");
MODULE_LICENSE("GPL");
