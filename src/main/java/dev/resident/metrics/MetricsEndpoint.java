package dev.resident.metrics;

import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserverConfigBase;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.helidon.webserver.observe.spi.Observer;
import io.helidon.webserver.spi.ServerFeature;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Helidon's metrics observer ({@code /observe/metrics}) without the filter it puts in front of
 * every route of its routing. That filter keeps a key-performance-indicator context per request
 * (two context lookups, a registration and a completion callback) for one counter,
 * {@code requests_count_total}, and it runs behind Resident's guards, so their refusals went
 * uncounted; {@link HttpRequests} counts every request instead. The observer sees its routing
 * through a view that drops the filters it adds, directly or from the features it adds; its routes
 * and services go through. (Helidon is pinned, see {@code HelidonPatchTest}: a new version is
 * checked for what else it adds there.)
 */
public final class MetricsEndpoint implements Observer {
    private final MetricsObserver metrics = MetricsObserver.create();

    @Override
    public ObserverConfigBase prototype() {
        return metrics.prototype();
    }

    @Override
    public String type() {
        return metrics.type();
    }

    @Override
    public void register(ServerFeature.ServerFeatureContext featureContext, List<HttpRouting.Builder> routings,
                         UnaryOperator<String> endpointFunction) {
        metrics.register(featureContext, routings.stream().map(MetricsEndpoint::withoutFilters).toList(),
                endpointFunction);
    }

    private static HttpRouting.Builder withoutFilters(HttpRouting.Builder routing) {
        return (HttpRouting.Builder) Proxy.newProxyInstance(HttpRouting.Builder.class.getClassLoader(),
                new Class<?>[] {HttpRouting.Builder.class}, (view, method, args) -> {
                    if (method.getName().equals("addFilter")) {
                        return view;
                    }
                    if (method.getName().equals("addFeature") && args.length == 1
                            && args[0] instanceof HttpFeature feature) {
                        routing.addFeature(new FeatureWithoutFilters(feature));
                        return view;
                    }
                    try {
                        Object result = method.invoke(routing, args);
                        return result == routing ? view : result;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A feature the observer adds, set up on the same filter-dropping view. */
    private record FeatureWithoutFilters(HttpFeature feature) implements HttpFeature {
        @Override
        public void setup(HttpRouting.Builder routing) {
            feature.setup(withoutFilters(routing));
            HttpRequests.replaceHelidons(Metrics.globalRegistry());
        }

        @Override
        public String socket() {
            return feature.socket();
        }

        @Override
        public boolean socketRequired() {
            return feature.socketRequired();
        }

        @Override
        public void beforeStart() {
            feature.beforeStart();
        }

        @Override
        public void afterStart(WebServer server) {
            feature.afterStart(server);
        }

        @Override
        public void afterStop() {
            feature.afterStop();
        }
    }
}
