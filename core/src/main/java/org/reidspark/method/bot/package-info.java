/** BoT, the strong baseline (https://arxiv.org/abs/1903.07071): its settings, method and step. */
package org.reidspark.method.bot;
