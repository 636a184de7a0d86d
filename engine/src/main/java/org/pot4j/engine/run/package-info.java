/**
 * Running a config: {@link org.pot4j.engine.run.JobRunner} quantizes every model of a
 * {@link org.pot4j.engine.config.Pot4jConfig} and writes, under the output folder:
 * <pre>
 * out/
 *   summary.json                      one line per model (metrics, headline_metric and its drop, every drop,
 *                                     sizes, speed ratio, status, error)
 *   &lt;model_name&gt;/
 *     &lt;model_name&gt;-int8&lt;ext&gt;        the INT8 model (a folder for SavedModels)
 *     plan.json                       the saved plan (org.pot4j.engine.config.PlanJson)
 *     report.json                     config, plan summary, algorithm reports, metrics (fp32, int8, drop per
 *                                     metric, headline_metric: the first configured), sizes, status,
 *                                     and the resume key (input files with size and SHA-256)
 *     accuracy-aware-report.html      AccuracyAware's page (drop per iteration, ranking)
 *     work/                           algorithm checkpoints and reports (kept by --resume when the inputs match;
 *                                     inputs.key records them)
 * </pre>
 * The INT8 model is saved into a hidden {@code .staged-*} folder and moved into place only when its
 * model finished (COMPLETED, TARGET_MET or BEST_EFFORT); an earlier run's model is removed first.
 */
package org.pot4j.engine.run;
