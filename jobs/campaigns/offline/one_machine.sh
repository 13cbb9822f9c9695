#!/usr/bin/env bash
# One machine as a fleet, without network: unpack the carried Dagster + Ray stack (pack_stack.sh), build dbt's
# manifest unless it was carried, start a Ray head (no GPU) and a worker node holding the GPU on this machine,
# launch one campaign through Ray (`greenlm campaign launch`), dump each cell's metadata and any step failure, stop
# Ray. From the repo root, with OUT set to where the cells' rows and the logs go:
#   OUT=... bash jobs/campaigns/offline/one_machine.sh <campaign>
# Run on the lent H100 on 2026-12-06 (docs/fleet.md "A campaign on a lent GPU machine"): the 8 Ray jobs of
# ray_gpu_h100 succeeded on the GPU worker, but that image's Ray advertised a job agent it did not serve
# (http://192.0.2.2:-1), so the job logs that carry the Pipes messages could not be read; the steps now take the
# rows from the harness's row file on a shared disk (campaign_runs.collect_rows; not yet re-run there). Inside `unshare -n` (lo_up.py)
# the launch stalled instead: the host name resolves to an address that namespace does not have.
set -u
CAMPAIGN=$1
S=/tmp/site
T0=$(date +%s)
if [ ! -d $S/ray ]; then
  mkdir -p $S && xz -T0 -dc ${STACK:-.devstack/stack.tar.xz} | tar -C $S -xf - || exit 1
  sed -i '1s|^#!.*python.*$|#!/usr/bin/env python3|' $S/bin/*
fi
echo "unpacked in $(( $(date +%s) - T0 )) s"
export PATH=$S/bin:$PATH PYTHONPATH=$S:$PWD RAY_USAGE_STATS_ENABLED=0 PYTHONUNBUFFERED=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false
export GREENLM_TREE_MANIFEST=$PWD/greenlm_tree.json
python3 -c "import sys, ray, dagster, dagster_ray, torch, transformers; print(sys.version.split()[0], 'ray', ray.__version__, 'dagster', dagster.__version__, 'dagster-ray', __import__('importlib.metadata').metadata.version('dagster-ray'), 'torch', torch.__version__, 'transformers', transformers.__version__)" | tee $OUT/versions.txt
if [ ! -f dbt_project/target/manifest.json ]; then
  dagster-dbt project prepare-and-package --file greenlm_assets/lib/dbt_project.py > $OUT/prepare.log 2>&1 || { tail -30 $OUT/prepare.log; exit 1; }
fi
echo "dbt manifest ready at $(( $(date +%s) - T0 )) s"
ray start --head --node-ip-address 127.0.0.1 --port 6379 --dashboard-host 127.0.0.1 --dashboard-port 8265 \
  --num-gpus 0 --num-cpus 2 --disable-usage-stats > $OUT/ray_head.log 2>&1 || { tail -30 $OUT/ray_head.log; exit 1; }
ray start --address 127.0.0.1:6379 --node-ip-address 127.0.0.1 --num-cpus 12 \
  > $OUT/ray_worker.log 2>&1 || { tail -30 $OUT/ray_worker.log; exit 1; }
for _ in $(seq 120); do
  [ "$(python3 -c 'import ray; ray.init(address="127.0.0.1:6379", logging_level="ERROR"); print(sum(n["Alive"] for n in ray.nodes()))' 2>/dev/null)" = 2 ] && break
  sleep 0.5
done
ray status --address 127.0.0.1:6379 > $OUT/ray_status.txt 2>&1; cat $OUT/ray_status.txt | sed -n '/Resources/,$p'
python3 -c 'import ray, json; ray.init(address="127.0.0.1:6379", logging_level="ERROR"); print(json.dumps([{"node": n["NodeID"], "alive": n["Alive"], "resources": n["Resources"]} for n in ray.nodes()], indent=1))' > $OUT/ray_nodes.json
echo "Ray up at $(( $(date +%s) - T0 )) s"
export GREENLM_RAY_ADDRESS=http://127.0.0.1:8265 DAGSTER_HOME=/tmp/dagster_home GREENLM_CAMPAIGN_RUNS_DIR=$OUT/cells \
  GREENLM_DUCKDB_PATH=/tmp/greenlm/greenlm.duckdb
mkdir -p $DAGSTER_HOME $OUT/cells
python3 -m greenlm_assets.cli campaign launch "$CAMPAIGN" --parallel 2 2>&1 | tee $OUT/launch.log
echo "launch rc=${PIPESTATUS[0]} at $(( $(date +%s) - T0 )) s" | tee -a $OUT/launch.log
python3 -m greenlm_assets.cli campaign list 2>&1 | tee -a $OUT/launch.log
python3 - <<'PY' > $OUT/cell_metadata.json
import json, dagster as dg
with dg.DagsterInstance.get() as inst:
    out = {}
    for ev in inst.fetch_materializations(dg.AssetKey(["measurements", "campaign_runs"]), limit=100).records:
        m = ev.asset_materialization
        out[m.partition] = {k: getattr(v, "value", str(v)) for k, v in m.metadata.items()}
    print(json.dumps(out, indent=1, default=str))
PY
python3 - <<'PY' > $OUT/failures.txt
import dagster as dg
with dg.DagsterInstance.get() as inst:
    for rec in inst.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]), limit=20):
        for ev in inst.all_logs(rec.dagster_run.run_id):
            if ev.dagster_event and ev.dagster_event.event_type_value == "STEP_FAILURE":
                print(rec.dagster_run.tags.get("dagster/partition"), ev.dagster_event.event_specific_data.error.to_string()[-3000:])
                break
PY
ray job list --address http://127.0.0.1:8265 > $OUT/ray_jobs.txt 2>&1
ray stop --force > /dev/null 2>&1
echo "done at $(( $(date +%s) - T0 )) s"
