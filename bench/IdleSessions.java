// Opens N SMTP sessions to a server, says EHLO on each, and keeps them idle for a while: the cost of an idle
// session (heap, RSS) is read off the server while they are open. Loopback only, bounded in count and time.
//   java bench/IdleSessions.java PORT N HOLD_SECONDS
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

public class IdleSessions {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int n = Math.min(Integer.parseInt(args[1]), 20000);
        int hold = Math.min(Integer.parseInt(args[2]), 600);
        List<Socket> open = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            // spread over loopback addresses so per-address limits of the client side do not matter
            s.bind(new InetSocketAddress("127.0." + (1 + i / 250) + "." + (1 + i % 250), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            String greeting = in.readLine();
            if (greeting == null || !greeting.startsWith("220")) {
                throw new IllegalStateException("session " + i + ": " + greeting);
            }
            out.write("EHLO idle.example\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            do {
                line = in.readLine();
            } while (line != null && line.startsWith("250-"));
            open.add(s);
        }
        System.out.printf("open=%d setup_s=%.1f%n", open.size(), (System.nanoTime() - t0) / 1e9);
        System.out.flush();
        Thread.sleep(hold * 1000L);
        for (Socket s : open) {
            s.close();
        }
    }
}
