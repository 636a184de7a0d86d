/**
 * AccuracyAwareQuantization: POT's algorithm of the same name and NNCF's
 * {@code quantize_with_accuracy_control}, written once against the backend-neutral SPI.
 *
 * <h2>Parameters</h2>
 * All of the base algorithm's parameters are accepted and passed through unchanged. Own parameters
 * (POT names and defaults, then pot4j's additions):
 * <table>
 * <caption>AccuracyAwareQuantization parameters</caption>
 * <tr><th>name</th><th>default</th><th>meaning</th></tr>
 * <tr><td>maximal_drop</td><td>0.01</td><td>largest allowed drop of every controlled metric; must be &gt;= 0</td></tr>
 * <tr><td>drop_type</td><td>absolute</td><td>{@code absolute}: baseline - quantized (quantized - baseline for
 *     higher-worse metrics); {@code relative}: that divided by |baseline|</td></tr>
 * <tr><td>ranking_subset_size</td><td>300</td><td>samples the layer ranking runs on</td></tr>
 * <tr><td>max_iter_num</td><td>30</td><td>bound on revert attempts (nodes reverted or rolled back); 0 runs no ranking</td></tr>
 * <tr><td>use_prev_if_drop_increase</td><td>false</td><td>undo a revert that raises the drop, and never try that node again</td></tr>
 * <tr><td>base_algorithm</td><td>DefaultQuantization</td><td>algorithm that quantizes the model first</td></tr>
 * <tr><td>convert_to_mixed_preset</td><td>false</td><td>when the target is missed, re-run the base with {@code preset: mixed} and continue from it;
 *     skipped (and reported) when the preset already is mixed</td></tr>
 * <tr><td>metrics</td><td>all</td><td>{@code [{name, baseline_value}]}: which metric keys to control; a name matches a key
 *     exactly, or its prefix ({@code accuracy} matches {@code accuracy@top1}), or the metric's type</td></tr>
 * <tr><td>metric_subset_ratio</td><td>0.5</td><td>with a baseline_value for every controlled metric, FP32 runs only on this
 *     fraction of the validation set (evenly spread samples) for the per-sample comparison</td></tr>
 * <tr><td>max_time</td><td>none</td><td>seconds; the search stops cleanly with the best plan so far</td></tr>
 * <tr><td>ranking</td><td>fast</td><td>{@code fast}: {@link org.pot4j.engine.algorithms.accuracyaware.FastSearch}
 *     (NMSE pre-rank, exact scores for the top 8-16, prefix jumps, put-back); {@code exact}: POT's procedure</td></tr>
 * <tr><td>ranking_candidates</td><td>auto</td><td>fast ranking: candidates scored exactly after the pre-rank (auto = 8-16)</td></tr>
 * <tr><td>use_suffix_runs</td><td>true</td><td>score candidates from where their plan differs, fed with captured tensors, when the
 *     backend offers {@link org.pot4j.api.model.SuffixRuns} (ONNX); false runs whole models (to measure what suffixes save)</td></tr>
 * <tr><td>screen_single_reverts</td><td>false</td><td>fast ranking: after a revert, screen each single revert on the ranking
 *     subset and skip it without a validation pass when it does not improve the subset (experimental; see below)</td></tr>
 * <tr><td>ranking_workers</td><td>min(cores, 4)</td><td>candidates scored in parallel; on steps of 4 batches per worker or more
 *     (the 4-bit ResNet's 300 samples), one candidate at a time on that many inference workers (results do not depend on it)</td></tr>
 * <tr><td>resume</td><td>false</td><td>continue from {@code <workDir>/aa-checkpoint.json} ({@code pot4j quantize --resume})</td></tr>
 * <tr><td>on_target_missed</td><td>best_effort</td><td>{@code best_effort}: return the best plan as BEST_EFFORT (CLI exit 3);
 *     {@code error}: throw {@link org.pot4j.api.quant.AccuracyTargetMissedException} carrying that result (NNCF)</td></tr>
 * </table>
 *
 * <h2>Documented choices</h2>
 * <ul>
 * <li><b>Always a result.</b> TARGET_MET with the first plan that meets {@code maximal_drop}
 *     (drops within 1e-9 count as met), else BEST_EFFORT with the plan of smallest largest-drop,
 *     ties to fewer reverted nodes (possibly the base plan itself). NNCF raises an error instead:
 *     {@code on_target_missed: error} does that, the exception carrying the best result.</li>
 * <li><b>Several metrics.</b> The search minimizes the largest drop; ranking and the ranking subset
 *     use the metric with the largest drop at that moment.</li>
 * <li><b>Ranking.</b> By the sum of the per-sample metric on the subset (POT), with the NMSE of the
 *     outputs to FP32 breaking ties (accuracy sums on a few hundred samples tie often), then graph
 *     order. Metrics with {@code perSample() == false}, and validation functions without per-sample
 *     values, rank by NMSE alone (NNCF). Nodes whose revert would change nothing numerically (a
 *     weightless node whose quantizers other nodes still need) are not candidates.</li>
 * <li><b>Re-ranking.</b> After any revert that does not lower the drop (POT step 7).</li>
 * <li><b>ranking: fast</b> (default). Same target, same metrics, same ranking subset and score as
 *     POT, but the score is computed only for the 8-16 candidates that a pre-rank (output NMSE to
 *     FP32 on an eighth of the subset) puts first, and re-rankings after a revert that does not help
 *     re-score only the leading candidates; far from the target a predicted prefix of the ranking is
 *     reverted at once and bisected down; once the target is met, reverted nodes are put back while
 *     it holds. Bisection steps and put-backs are screened on the ranking subset first
 *     ({@code cost.screen_passes}) and validated only when the screen predicts the target is met
 *     ({@code screen_single_reverts: true} also screens single reverts after a revert: experimental; it cut MiniLM
 *     and the 4-bit ResNet to fewer passes but reverted 8 nodes where exact reverts 6 on 500 MNIST samples at 0.002).
 *     {@code max_iter_num} bounds validation passes. Resume replays the stored passes. Details and measurements: {@code FastSearch}.</li>
 * <li><b>One preparation per ranking.</b> A ranking (the fast mode's pre-rank and confirm step, the suffix check)
 *     shares one {@code RankingSession}: suffixes built once, and the compiled model of every candidate kept
 *     (at most 16 + 2, and an eighth of the machine's memory by the model file's size; the worst-ranked closed
 *     first, all closed when the ranking ends, also on failure or {@code max_time}), so the confirm step does
 *     not compile again what the pre-rank compiled. A compiled model runs the same plan as a fresh one, so
 *     scores do not change.</li>
 * <li><b>Suffix runs.</b> When the model implements {@link org.pot4j.api.model.SuffixRuns} (ONNX), both
 *     modes may score a candidate from where its plan differs from the current one, fed with tensors
 *     captured in one run of the current plan on the step's samples (at most a quarter of the free heap);
 *     the first suffix of a search is checked against a whole run. When that check finds identical outputs,
 *     each candidate runs as a suffix or whole by its cost, estimated from sizes with constants fitted to
 *     measured costs ({@code SuffixScoring}: the 4-bit ResNet's 100 KB cut tensors cost more to fetch and
 *     feed than the run they save, so its convolutions run whole; MiniLM's suffixes kept compiled from the
 *     pre-rank save a compile each); otherwise every suffix that fits runs, as before. Never by timings: a
 *     suffix can differ from its whole run in the last bits where the check did not look (ResNet's fc), so
 *     scores would depend on the machine's load. {@code use_suffix_runs: false} switches them off.</li>
 * <li><b>use_prev_if_drop_increase</b> (false, as POT): when true, a revert that <em>raises</em> the
 *     drop is undone and the node excluded from later rankings (otherwise re-ranking would pick it
 *     again); an unchanged drop keeps the revert, as POT does.</li>
 * <li><b>Bias correction.</b> Reverting a node drops its own bias shift; other nodes keep the
 *     shifts computed for the fully quantized model (no calibration pass per iteration). A shift
 *     that also absorbed the error of an upstream node now in FP32 over-corrects slightly; each
 *     iteration's full evaluation measures the plan as it is.</li>
 * <li><b>baseline_value.</b> Used as the FP32 baseline as given (POT). When it is more than 10%
 *     from the value pot4j measures, one warning line names both values (a wrong baseline makes
 *     the search chase a target it cannot see), but the configured value stays.</li>
 * <li><b>Small validation sets.</b> With fewer samples than {@code ranking_subset_size}, all of them
 *     form the ranking subset (warning).</li>
 * <li><b>Validation data.</b> Required; with metrics its samples need annotations.</li>
 * <li><b>Cost.</b> {@code cost} in the report counts the search in validation passes (one pass = the model on every
 *     validation sample): {@code ranking_passes} (candidate runs on single samples, a suffix run counting its share of
 *     the nodes, / validation size), {@code screen_passes}, {@code validation_passes}, their sum {@code search_passes};
 *     then the wall times, also divided by one INT8 validation pass: the median of the INT8 passes measured (before
 *     and during the search; {@code timing.validation_pass} says how many). Never the FP32 pass: with cached FP32
 *     outputs ({@code annotation: fp32_output}) it only runs the metrics. The same figures for both ranking modes.</li>
 * <li><b>Checkpoint.</b> Written atomically after the first ranking and after every iteration; it is
 *     resumed only when its fingerprint (model path and size, parameters except max_iter_num,
 *     max_time, ranking_workers and resume, validation data name and size, metric set) matches,
 *     so a run stopped by max_iter_num can be extended. A corrupt or foreign checkpoint is ignored
 *     with a warning. A resumed run does not re-run the base algorithm and ends with the same
 *     reverted nodes as an uninterrupted one.</li>
 * </ul>
 *
 * <h2>Measured: fast vs exact (issue 15)</h2>
 * CPU "Intel(R) Xeon(R) Processor" (2 cores, AVX-512 VNNI, AMX-INT8), load 1-2.5. Counted =
 * {@code cost.search_passes} (ranking + screens + validation); wall = the search's wall time in
 * median INT8 validation passes (range over the runs); budget = reverted + 5.
 * <table>
 * <caption>AccuracyAware cost, fast vs exact</caption>
 * <tr><th>model, maximal_drop</th><th>ranking</th><th>reverted</th><th>final</th><th>counted</th><th>wall</th><th>budget</th></tr>
 * <tr><td>4-bit MNIST ResNet (examples/mixed), top-1 0.003</td><td>fast</td><td>3 of 14</td><td>0.9860</td><td>5.67</td><td>6.6-7.5</td><td>8</td></tr>
 * <tr><td></td><td>exact</td><td>3 of 14 (same nodes)</td><td>0.9860</td><td>5.57</td><td>7.1</td><td>8</td></tr>
 * <tr><td>MiniLM config-aa-tight, per-token cosine 0.004</td><td>fast</td><td>1 of 40</td><td>0.9973</td><td>3.54</td><td>5.6-6.0</td><td>6</td></tr>
 * <tr><td></td><td>exact</td><td>1 of 40 (same node)</td><td>0.9973</td><td>5.07</td><td>7.6</td><td>6</td></tr>
 * <tr><td>MobileNetV2 224 px (tools/onnx_zoo/aa_cnn.py), cosine 0.008</td><td>fast</td><td>10 of 64</td><td>0.9922</td><td>8.98</td><td>9.8-10.6</td><td>15</td></tr>
 * <tr><td></td><td>exact</td><td>11 of 64</td><td>0.9924</td><td>31.27</td><td>29.1</td><td>16</td></tr>
 * </table>
 * The fast mode meets the target with no more nodes than exact and within the budget in counted
 * passes and in wall time (one {@code RankingSession} per
 * ranking, suffix or whole by size, the backend's per-candidate costs cut); what is left on MiniLM is
 * ORT's session creation for the pre-rank's 40 candidates. INT8/FP32 speeds and the method: README,
 * "Cost, fast vs exact".
 */
package org.pot4j.engine.algorithms.accuracyaware;
