package dev.mailroom.delivery;

import dev.mailroom.address.Mailbox;
import java.util.Locale;
import java.util.Map;

/**
 * Decides the {@link Destination} of each recipient (Postfix's trivial-rewrite): a static route for its domain
 * first, then the smarthost when one is configured for all remote mail, else the domain's MX hosts.
 *
 * @param routes        domain (lower case) to static destination
 * @param useSmarthost  send everything without a static route to the smarthost
 */
public record Router(Map<String, Destination.Host> routes, boolean useSmarthost) {
    public Router {
        routes = Map.copyOf(routes);
    }

    public Destination route(Mailbox recipient) {
        String domain = recipient.domain().toLowerCase(Locale.ROOT);
        Destination.Host route = routes.get(domain);
        if (route != null) {
            return route;
        }
        return useSmarthost ? new Destination.Smarthost() : new Destination.Mx(domain);
    }
}
