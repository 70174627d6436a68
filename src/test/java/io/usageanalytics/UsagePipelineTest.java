package io.usageanalytics;

import io.usageanalytics.testing.RecordsSource;

import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UsagePipelineTest {

    /**
     * Runs fold a stream's chunks only if the merger runs in the task that read them: chained to
     * the source, before the first network crossing (the keyBy on id).
     */
    @Test
    void theChunkMergerIsChainedToTheSourceAheadOfTheKeyByOnId() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        UsagePipeline.Outputs outputs = UsagePipeline.defineWorkflow(env, RecordsSource.of(List.of()),
                PipelineSettings.defaults());
        outputs.rows().sinkTo(new DiscardingSink<>());
        outputs.rejects().sinkTo(new DiscardingSink<>());
        outputs.alerts().sinkTo(new DiscardingSink<>());

        StreamGraph graph = env.getStreamGraph(false);
        StreamNode assembler = graph.getStreamNodes().stream()
                .filter(n -> n.getOperatorName().equals("assemble-requests")).findFirst().orElseThrow();
        List<String> inputs = new ArrayList<>();
        for (StreamEdge edge : assembler.getInEdges()) {
            inputs.add(graph.getStreamNode(edge.getSourceId()).getOperatorName());
        }
        List<String> tasks = new ArrayList<>();
        for (JobVertex vertex : graph.getJobGraph().getVerticesSortedTopologicallyFromSources()) {
            tasks.add(vertex.getName());
        }

        assertThat(inputs).containsExactly("merge-chunks");
        assertThat(tasks.get(0)).isEqualTo("Source: logged-objects -> route-rejects -> merge-chunks");
        assertThat(tasks.get(1)).startsWith("assemble-requests");
    }
}
