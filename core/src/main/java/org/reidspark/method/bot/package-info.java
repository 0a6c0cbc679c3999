/** BoT, the strong baseline (https://arxiv.org/abs/1903.07071): its config, method and step, and its ablation. */
package org.reidspark.method.bot;
