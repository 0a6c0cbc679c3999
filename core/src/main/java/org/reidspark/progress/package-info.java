/**
 * Progress lines with rate and ETA for the long jobs that are not training (shard, extract, evaluate; the trainers
 * log their own per step): {@link org.reidspark.progress.Progress}.
 */
package org.reidspark.progress;
