/** `npm run bench:wap-push`: CP push build throughput on one core (JSON lines). */
import { measureCpPushBuild } from './cp-push-build';

async function main(): Promise<void> {
  for (const mode of ['prepared', 'full'] as const) {
    const value = await measureCpPushBuild({ mode });
    console.log(
      JSON.stringify({
        bench: 'wap-push',
        case: `cp_netwpin_4_segments_${mode}`,
        metric: 'cp_push_build_per_s',
        value,
        unit: 'push/s',
      }),
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
