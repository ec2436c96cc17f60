package io.cfgserver.service.openapi;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** One JAX-RS resource method: the HTTP method and the full path it answers, read from its annotations. */
public record ResourceMethod(Class<?> resource, Method method, String httpMethod, String path) {

    /** {@code ClustersResource.create}: how the contract's overrides and the operation ids name it. */
    public String javaName() {
        return resource.getSimpleName() + "." + method.getName();
    }

    /** {@code POST /v1/clusters}: how schemathesis and the README name an operation. */
    public String label() {
        return httpMethod + " " + path;
    }

    /** Every resource method of the given resource classes, in a stable order. */
    public static List<ResourceMethod> of(Collection<Class<?>> resources) {
        List<ResourceMethod> out = new ArrayList<>();
        for (Class<?> c : resources) {
            Path base = c.getAnnotation(Path.class);
            if (base == null) {
                throw new IllegalArgumentException(c.getName() + " is not a JAX-RS resource: it has no @Path");
            }
            for (Method m : c.getMethods()) {
                String verb = httpMethod(m);
                if (verb != null) {
                    Path sub = m.getAnnotation(Path.class);
                    out.add(new ResourceMethod(c, m, verb, join(base.value(), sub == null ? "" : sub.value())));
                }
            }
        }
        out.sort(Comparator.comparing(ResourceMethod::path).thenComparing(ResourceMethod::httpMethod));
        return out;
    }

    private static String httpMethod(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod verb = a.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return null;
    }

    /** {@code "/v1/clusters" + "/{name}"}: one slash between parts, none at the end, no regex in templates. */
    static String join(String base, String sub) {
        String path = ("/" + base + "/" + sub).replaceAll("/+", "/").replaceAll("\\{\\s*(\\w[\\w.-]*)\\s*:[^}]*}", "{$1}");
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
