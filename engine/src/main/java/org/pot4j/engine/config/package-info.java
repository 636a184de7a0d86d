/**
 * Configs, plans and JSON files.
 *
 * <h2>Config reference</h2>
 * A config is JSON, or YAML when the file ends in {@code .yaml}/{@code .yml}. Keys are snake_case;
 * every key is checked and an unknown one fails with the valid keys and a "did you mean".
 * Relative paths resolve against the config file's folder.
 *
 * <table>
 * <caption>Sections and keys</caption>
 * <tr><th>key</th><th>type</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code model.model}</td><td>path</td><td>required</td><td>model file or folder</td></tr>
 * <tr><td>{@code model.model_name}</td><td>string</td><td>file stem</td><td>names the output folder and files</td></tr>
 * <tr><td>{@code model.framework}</td><td>string</td><td>the backend that accepts the file</td><td>{@code onnx}, {@code tensorflow}, {@code djl}</td></tr>
 * <tr><td>{@code model.options}</td><td>object</td><td>{}</td><td>backend load options (e.g. {@code signature})</td></tr>
 * <tr><td>{@code engine.calibration_dataset}</td><td>dataset</td><td>required</td><td>calibration data</td></tr>
 * <tr><td>{@code engine.validation_dataset}</td><td>dataset</td><td>the calibration dataset</td><td>data the metrics are measured on</td></tr>
 * <tr><td>{@code engine.metrics}</td><td>list of {@code {name, params}} or names</td><td>[]</td><td>{@code accuracy} (top_k 1), {@code mse}, {@code nmse}, {@code cosine_similarity}, {@code f1}, or a plugin's</td></tr>
 * <tr><td>{@code engine.batch_size}</td><td>int &gt; 0</td><td>parallel evaluation in the model's batch size</td><td>evaluation batch size</td></tr>
 * <tr><td>{@code engine.threads}</td><td>int &gt; 0</td><td>backend default</td><td>passed to the backend as the load option {@code threads}</td></tr>
 * <tr><td>{@code engine.benchmark}</td><td>bool</td><td>false</td><td>measure the INT8/FP32 speed ratio</td></tr>
 * <tr><td>{@code engine.speed_guard}</td><td>bool or {@code {enabled, batch_sizes, rounds, max_measurements}}</td><td>CLI: true; Java API: false</td><td>time INT8 against FP32 at {@code batch_sizes} (default 1 and {@code batch_size}) and keep in FP32 the nodes that make INT8 slower ({@code report.json} {@code speed_guard})</td></tr>
 * <tr><td>{@code compression.target_device}</td><td>{@code ANY}|{@code CPU}</td><td>{@code ANY}</td><td>given to algorithms that take {@code target_device}</td></tr>
 * <tr><td>{@code compression.algorithms}</td><td>list of {@code {name, params}}</td><td>[{@code DefaultQuantization}]</td><td>run in order; the last one's plan is saved</td></tr>
 * <tr><td>{@code output.dir}</td><td>path</td><td>{@code <config dir>/out}</td><td>where results go ({@code --output} wins)</td></tr>
 * <tr><td>{@code models}</td><td>list of {@code {model, engine, compression}}</td><td>-</td><td>several models; top-level {@code engine}/{@code compression} are defaults, overridden key by key</td></tr>
 * </table>
 *
 * <p>Datasets: {@code {"type": "idx"|"npy"|"csv"|<plugin>, ...that provider's parameters,
 * "annotation": "fp32_output"}} (the last one makes each sample's annotation the FP32 model's first
 * output, for similarity-to-FP32 metrics).
 * <ul>
 * <li>{@code idx}: {@code images} (required), {@code labels}, {@code scale} 1/255, {@code mean} 0,
 * {@code std} 1 (numbers or one per channel), {@code channels_first} true, {@code input_name} input.</li>
 * <li>{@code npy}: {@code path} (folder or one .npy, required), {@code inputs} (default every .npy but
 * the labels, sorted), {@code labels} (.npy or .txt).</li>
 * <li>{@code csv}: {@code path} (required), {@code label_column} (name or index), {@code has_header} true,
 * {@code input_name} input, {@code delimiter} ",".</li>
 * </ul>
 *
 * <p>Every parameter set (algorithm, metric, dataset, executor) is bound to a record by the one
 * {@link org.pot4j.engine.config.ParamBinder} when the config loads: unknown keys, types, ranges and
 * required keys fail before any model is loaded (docs/architecture.md, "Parameters"). Algorithm
 * keys are checked against the algorithm's {@code parameterNames()}; their values and defaults are
 * the algorithm's (POT's names and defaults):
 * <ul>
 * <li>{@code DefaultQuantization} (MinMax then FastBiasCorrection): {@code preset} performance
 * (or mixed), {@code stat_subset_size} 300, {@code stat_batch_size} automatic, {@code shuffle_data}
 * false, {@code seed} 0, {@code ignored} / {@code ignored_scope} none, {@code model_type} none (or
 * transformer), {@code activations} / {@code weights} / {@code range_estimator} (8-bit per-tensor
 * activations with min/max ranges, 8-bit symmetric per-channel weights), {@code use_fast_bias} true,
 * {@code fast_bias_threshold} / {@code threshold} 2.0, {@code apply_for_all_nodes} false,
 * {@code target_device} ANY.</li>
 * <li>{@code AccuracyAwareQuantization}: every DefaultQuantization parameter plus {@code maximal_drop}
 * 0.01, {@code drop_type} absolute, {@code ranking_subset_size} 300, {@code max_iter_num} 30,
 * {@code use_prev_if_drop_increase} false, {@code base_algorithm} DefaultQuantization,
 * {@code convert_to_mixed_preset} false, {@code metrics} (all engine metrics),
 * {@code metric_subset_ratio} 0.5, and pot4j's {@code max_time}, {@code ranking_workers},
 * {@code resume}.</li>
 * </ul>
 *
 * <p>{@link org.pot4j.engine.config.PlanJson} reads and writes {@code QuantizationPlan}s bit-exactly.
 */
package org.pot4j.engine.config;
